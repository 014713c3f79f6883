package jvisor.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import jvisor.boot.BadInputException;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.bus.PortHandler;
import jvisor.core.ExitStats;
import jvisor.core.IoDispatch;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.engine.kvm.KvmEngine;
import jvisor.sys.Mincore;

/**
 * {@code ./jvisor bench exit}: the I/O-exit round trip on kvm, jvisor against C. Both run the same
 * 32-bit loop ({@code out 0x80, al / dec ecx / jnz} N times, then {@code out 0xf4, al}) in a VM
 * set up the same way; jvisor's side goes through the kvm engine and the core's {@link IoDispatch}
 * to a port handler, as the main loop does. Also reports the VMM's start-up time (process start to
 * the first KVM_RUN) and its resident memory without guest RAM.
 */
final class KvmExitBench {
    private KvmExitBench() { }

    static final int DEFAULT_ITERATIONS = 200_000;
    static final double TARGET_RATIO = 1.10;
    /** Enough exits for HotSpot to compile the exit path before the measured pass. */
    static final long MIN_WARMUP = 50_000;
    private static final long CODE = 0x1000;
    private static final long RAM = 2L << 20;
    /** loop: out 0x80, al / dec ecx / jnz loop / out 0xf4, al / hlt */
    static final byte[] GUEST = {(byte) 0xE6, (byte) 0x80, 0x49, 0x75, (byte) 0xFB, (byte) 0xE6, (byte) 0xF4, (byte) 0xF4};

    static int run(List<String> args) {
        long iterations = iterations(args);
        if (!KvmEngine.deviceExists()) {
            throw new BadInputException("bench exit cannot run: /dev/kvm does not exist on this host (it measures the kvm engine)");
        }
        Instant processStart = ProcessHandle.current().info().startInstant().orElse(null);
        long warmup = Math.max(MIN_WARMUP, iterations / 10);
        JvisorResult jvisor = measureJvisor(iterations, warmup);
        double cMicros;
        try (CReference c = CReference.compile("kvm_exit_bench")) {
            cMicros = parseMicros(c.run(Long.toString(iterations), Long.toString(warmup)));
        }
        report(iterations, jvisor, cMicros, processStart);
        return 0;
    }

    record JvisorResult(double microsPerExit, long exits, Instant firstRun, long vmRss, long guestResident) { }

    private static JvisorResult measureJvisor(long iterations, long warmup) {
        try (KvmEngine engine = KvmEngine.open(1); GuestMemory ram = GuestMemory.allocate(RAM)) {
            StopPort stop = new StopPort();
            PortBus ports = new PortBus();
            ports.register(PcLayout.POST_CODE, 1, new PostCode(), "post-code");
            ports.register(PcLayout.DEBUG_EXIT, 1, stop, "stop");
            ports.setDefault(new Floating(), "unhooked");
            MmioBus mmio = new MmioBus(new Floating());
            IoDispatch dispatch = new IoDispatch(ports, mmio, new ExitStats());
            ram.write(CODE, GUEST);
            try (VirtualMachine vm = engine.createVm(new VmSpec(ram, 1, ports, mmio))) {
                VirtualCpu cpu = vm.createCpu(0, dispatch);
                cpu.setState(loopState(warmup));
                Instant firstRun = Instant.now();
                runLoop(cpu, dispatch, stop);
                cpu.setState(loopState(iterations));
                long t0 = System.nanoTime();
                long exits = runLoop(cpu, dispatch, stop);
                long t1 = System.nanoTime();
                return new JvisorResult((t1 - t0) / 1e3 / exits, exits, firstRun,
                        ProcessMemory.residentBytes(), Mincore.residentBytes(ram.segment()));
            }
        }
    }

    /** MainLoop's IO path: run, dispatch the exit to the port table, until the stop port is written. */
    private static long runLoop(VirtualCpu cpu, IoDispatch dispatch, StopPort stop) {
        stop.stopped = false;
        long exits = 0;
        while (!stop.stopped) {
            ExitReason reason = cpu.run();
            exits++;
            switch (reason) {
                case IO -> dispatch.dispatch(cpu.io());
                case STOPPED -> { }
                default -> throw new IllegalStateException("benchmark guest stopped on " + reason + ": " + cpu.describeExit());
            }
        }
        return exits;
    }

    private static void report(long iterations, JvisorResult j, double cMicros, Instant processStart) {
        double ratio = j.microsPerExit() / cMicros;
        System.out.printf(Locale.ROOT, "exit round trip, kvm I/O port write (%d iterations, %d exits):%n", iterations, j.exits());
        System.out.printf(Locale.ROOT, "  C reference (KVM_RUN loop)   %10.3f us/exit%n", cMicros);
        System.out.printf(Locale.ROOT, "  jvisor kvm engine + dispatch %10.3f us/exit%n", j.microsPerExit());
        System.out.printf(Locale.ROOT, "  ratio jvisor/C               %10.3f   (target <= %.2f: %s)%n",
                ratio, TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "missed");
        if (processStart != null) {
            System.out.printf(Locale.ROOT, "VMM start-up, process start to first KVM_RUN: %d ms%n",
                    Duration.between(processStart, j.firstRun()).toMillis());
        } else {
            System.out.println("VMM start-up: the process start time is not available on this host");
        }
        System.out.printf(Locale.ROOT, "VMM resident memory without guest RAM: %.1f MiB (VmRSS %.1f MiB - guest RAM resident %.1f MiB)%n",
                mib(j.vmRss() - j.guestResident()), mib(j.vmRss()), mib(j.guestResident()));
    }

    static double parseMicros(String output) {
        for (String token : output.trim().split("\\s+")) {
            if (token.startsWith("us_per_exit=")) {
                return Double.parseDouble(token.substring("us_per_exit=".length()));
            }
        }
        throw new IllegalStateException("the C reference printed no us_per_exit: " + output.strip());
    }

    static long iterations(List<String> args) {
        long n = DEFAULT_ITERATIONS;
        for (String a : args) {
            if (a.startsWith("iterations=")) {
                try {
                    n = Long.parseLong(a.substring("iterations=".length()));
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1 || n > 0xFFFF_FFFFL) {
                    throw new BadInputException("iterations must be 1 to 4294967295: " + a);
                }
            } else {
                throw new BadInputException("unknown option '" + a + "' for bench exit: use iterations=N");
            }
        }
        return n;
    }

    /** 32-bit protected mode, flat segments, at the loop with ECX = {@code count}. */
    private static CpuState loopState(long count) {
        Segment code = Segment.flatCode32(0x08);
        Segment data = Segment.flatData32(0x10);
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data,
                Segment.resetTaskRegister(), Segment.resetLdt(), new DescriptorTable(0, 0), new DescriptorTable(0, 0),
                SystemRegisters.CR0_PE | SystemRegisters.CR0_ET, 0, 0, 0, 0, 0,
                SystemRegisters.APIC_BASE_DEFAULT | SystemRegisters.APIC_BASE_BSP);
        long[] r = new long[16];
        r[1] = count;
        r[4] = 0x8000;
        return new CpuState(GeneralRegisters.fromArray(r, CODE, GeneralRegisters.RFLAGS_FIXED), s);
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Port 0x80: a device that does a little work with what it is given, as a real one would. */
    private static final class PostCode implements PortHandler {
        private int last;

        public int read(int port, int size) {
            return last;
        }

        public void write(int port, int size, int value) {
            last = value;
        }
    }

    /** Port 0xF4 ends a pass. */
    private static final class StopPort implements PortHandler {
        private boolean stopped;

        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        public void write(int port, int size, int value) {
            stopped = true;
        }
    }

    private static final class Floating implements PortHandler, MmioHandler {
        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        public void write(int port, int size, int value) { }

        public long read(long address, int size) {
            return MmioHandler.floating(size);
        }

        public void write(long address, int size, long value) { }
    }
}
