package jvisor.engine.kvm;

import java.util.concurrent.TimeUnit;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;

/**
 * How fast this host's KVM runs guest ring-0 code, measured by a short run: on hardware
 * virtualization a counting loop runs at native speed (billions of instructions a second); on a
 * nested "PVM" host it is emulated at one or two million. {@code --engine auto} picks the engine
 * from this figure, so a host where kvm would crawl boots the guest on emu instead.
 */
public final class KvmCalibration {
    /** Below this rate, the emu engine runs ring-0 code faster than kvm does. */
    public static final double NATIVE_MIPS = 200;

    private static final long CODE = 0x1000;
    private static final int DONE_PORT = 0xF4;
    private static final int ITERATIONS = 2_000_000;
    /** Two instructions per iteration: dec ecx, jnz. */
    private static final long INSTRUCTIONS = 2L * ITERATIONS;
    /** The run is cut off here; a loop that has not finished by then is far below NATIVE_MIPS. */
    private static final long CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(40);

    private KvmCalibration() { }

    /** The measured rate in million instructions per second, or an upper bound if the run was cut off. */
    public record Result(double mips, boolean finished) {
        public boolean isNative() {
            return finished && mips >= NATIVE_MIPS;
        }

        @Override
        public String toString() {
            return finished ? String.format("%.0f MIPS", mips) : String.format("under %.0f MIPS", mips);
        }
    }

    /** Runs the loop in a throw-away one-processor VM on {@code engine}, on the calling thread. */
    public static Result measure(KvmEngine engine) {
        try (GuestMemory ram = GuestMemory.allocate(64 << 10)) {
            ram.write(CODE, loop());
            MmioHandler none = new MmioHandler() {
                public long read(long offset, int size) {
                    return MmioHandler.floating(size);
                }

                public void write(long offset, int size, long value) { }
            };
            VirtualMachine vm = engine.createVm(new VmSpec(ram, 1, new PortBus(), new MmioBus(none)));
            try {
                VirtualCpu cpu = vm.createCpu(0, null);
                CpuState reset = CpuState.reset(true);
                cpu.setState(reset.withRegs(reset.regs().withRip(CODE))
                        .withSregs(withRealModeCode(reset)));
                return time(cpu);
            } finally {
                vm.close();
            }
        }
    }

    private static Result time(VirtualCpu cpu) {
        Thread cutoff = Thread.ofPlatform().daemon().start(() -> {
            try {
                TimeUnit.NANOSECONDS.sleep(CAP_NANOS);
                cpu.kick();
            } catch (InterruptedException e) {
                // finished first
            }
        });
        long start = System.nanoTime();
        ExitReason exit = cpu.run();
        long elapsed = Math.max(1, System.nanoTime() - start);
        cutoff.interrupt();
        boolean finished = exit == ExitReason.IO && cpu.io().port() == DONE_PORT;
        long nanos = finished ? elapsed : Math.max(elapsed, CAP_NANOS);
        return new Result(INSTRUCTIONS * 1e3 / nanos, finished);
    }

    /** mov ecx, ITERATIONS / l: dec ecx / jnz l / out 0xf4, al — in real mode, CPL 0. */
    private static byte[] loop() {
        return new byte[] {
            0x66, (byte) 0xB9, (byte) ITERATIONS, (byte) (ITERATIONS >>> 8), (byte) (ITERATIONS >>> 16),
            (byte) (ITERATIONS >>> 24),
            0x66, 0x49,
            0x75, (byte) 0xFC,
            (byte) 0xE6, (byte) DONE_PORT,
        };
    }

    private static SystemRegisters withRealModeCode(CpuState reset) {
        var s = reset.sregs();
        return new SystemRegisters(Segment.realMode(0, true), s.ds(), s.es(), s.fs(), s.gs(), s.ss(),
                s.tr(), s.ldt(), s.gdt(), s.idt(), s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.cr8(), s.efer(), s.apicBase());
    }
}
