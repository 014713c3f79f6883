package jvisor.engine.kvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.DebugStop;
import jvisor.engine.ExitReason;
import jvisor.engine.FpuRegisters;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestDebug;
import jvisor.engine.GuestDebug.Access;
import jvisor.engine.GuestDebug.Watchpoint;
import jvisor.engine.GuestMemory;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * KVM_SET_GUEST_DEBUG and KVM_GET/SET_FPU on a real guest: single steps, instruction breakpoints
 * and write/access watchpoints in the debug registers, each stop decoded from KVM_EXIT_DEBUG's
 * DR6; and the x87/SSE registers as KVM holds them. Skipped where the host has no usable /dev/kvm.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvmGuestDebugTest {
    private static final long CODE = 0x1000;
    private static final long DATA = 0x2000;
    /**
     * <pre>
     * 1000 mov al, 1 / 1002 mov [0x2000], al / 1005 mov al, 2 / 1007 nop / 1008 mov al, [0x2000]
     * 100b out 0xf4, al
     * </pre>
     */
    private static final byte[] WRITE_THEN_READ = HexFormat.of().parseHex("b001a20020b00290a00020e6f4");

    private KvmEngine engine;
    private GuestMemory ram;
    private VirtualMachine vm;

    @AfterEach
    void close() {
        if (vm != null) {
            vm.close();
        }
        if (ram != null) {
            ram.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private VirtualCpu boot() {
        Path dev = Path.of(KvmEngine.DEVICE);
        assumeTrue(Files.exists(dev), "no /dev/kvm on this host: the kvm engine's guest tests need hardware virtualization");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "/dev/kvm exists but this user cannot open it");
        engine = KvmEngine.open(1);
        ram = GuestMemory.allocate(1 << 20);
        MmioHandler none = new MmioHandler() {
            public long read(long offset, int size) {
                return MmioHandler.floating(size);
            }

            public void write(long offset, int size, long value) { }
        };
        vm = engine.createVm(new VmSpec(ram, 1, new PortBus(), new MmioBus(none)));
        ram.write(CODE, WRITE_THEN_READ);
        VirtualCpu cpu = vm.createCpu(0, null);
        cpu.setState(KvmGuestTest.realMode(CODE));
        return cpu;
    }

    private static void assertStop(VirtualCpu cpu, ExitReason reason, DebugStop why, long rip) {
        assertEquals(ExitReason.DEBUG, reason, cpu::describeExit);
        assertEquals(why, cpu.debugStop());
        assertEquals(rip, cpu.state().regs().rip());
    }

    private static void assertEnd(VirtualCpu cpu, ExitReason reason, int al) {
        assertEquals(ExitReason.IO, reason, cpu::describeExit);
        assertEquals(0xF4, cpu.io().port());
        assertEquals(al, cpu.io().value(0));
    }

    @Test
    void aSingleStepStopsAfterEachInstruction() {
        VirtualCpu cpu = boot();
        assertTrue(cpu.setGuestDebug(new GuestDebug(true, new long[0])));
        assertStop(cpu, cpu.run(), DebugStop.step(), 0x1002);
        assertStop(cpu, cpu.run(), DebugStop.step(), 0x1005);
        assertTrue(cpu.setGuestDebug(GuestDebug.OFF));
        assertEnd(cpu, cpu.run(), 1);
    }

    private static void assumeCan(String whyNot) {
        assumeTrue(whyNot == null, whyNot);
    }

    @Test
    void anInstructionBreakpointStopsBeforeTheInstruction() {
        assumeCan(KvmDebugHosts.noInstructionBreakpoints());
        VirtualCpu cpu = boot();
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[] {0x1007, 0x100b})));
        DebugStop first = new DebugStop(DebugStop.Cause.BREAKPOINT, 0x1007, null);
        assertStop(cpu, cpu.run(), first, 0x1007);
        // As gdb does: take the breakpoint out, step over it, put it back.
        assertTrue(cpu.setGuestDebug(new GuestDebug(true, new long[] {0x100b})));
        assertStop(cpu, cpu.run(), DebugStop.step(), 0x1008);
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[] {0x1007, 0x100b})));
        assertStop(cpu, cpu.run(), new DebugStop(DebugStop.Cause.BREAKPOINT, 0x100b, null), 0x100b);
        assertTrue(cpu.setGuestDebug(GuestDebug.OFF));
        assertEnd(cpu, cpu.run(), 1);
    }

    @Test
    void rfStepsOverAnInstructionBreakpoint() {
        assumeCan(KvmDebugHosts.noResumeFlag());
        VirtualCpu cpu = boot();
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[] {0x1007})));
        assertStop(cpu, cpu.run(), new DebugStop(DebugStop.Cause.BREAKPOINT, 0x1007, null), 0x1007);
        CpuState s = cpu.state();
        GeneralRegisters r = s.regs();
        cpu.setState(s.withRegs(GeneralRegisters.fromArray(r.toArray(), r.rip(), r.rflags() | (1L << 16))));
        assertEnd(cpu, cpu.run(), 1);
    }

    @Test
    void aWriteWatchpointStopsAfterTheWriteAndNotOnTheRead() {
        assumeCan(KvmDebugHosts.noDataBreakpoints());
        VirtualCpu cpu = boot();
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[0], List.of(new Watchpoint(DATA, 1, Access.WRITE)))));
        assertStop(cpu, cpu.run(), new DebugStop(DebugStop.Cause.WATCHPOINT, DATA, Access.WRITE), 0x1005);
        assertEquals(1, ram.read(DATA, 1)[0]);
        assertEnd(cpu, cpu.run(), 1);
    }

    @Test
    void anAccessWatchpointStopsAfterTheWriteAndAfterTheRead() {
        assumeCan(KvmDebugHosts.noDataBreakpoints());
        VirtualCpu cpu = boot();
        // 8 bytes, the second of two registers after a breakpoint elsewhere: DR1 with LEN 8.
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[] {0x3000},
                List.of(new Watchpoint(DATA, 8, Access.ACCESS)))));
        DebugStop watch = new DebugStop(DebugStop.Cause.WATCHPOINT, DATA, Access.ACCESS);
        assertStop(cpu, cpu.run(), watch, 0x1005);
        assertStop(cpu, cpu.run(), watch, 0x100b);
        assertEnd(cpu, cpu.run(), 1);
    }

    @Test
    void anUnalignedWatchpointUsesOneRegisterPerAlignedPiece() {
        assumeCan(KvmDebugHosts.noDataBreakpoints());
        VirtualCpu cpu = boot();
        // 0x1fff..0x2002: pieces 0x1fff (1), 0x2000 (2), 0x2002 (1); the write to 0x2000 hits the second.
        assertTrue(cpu.setGuestDebug(new GuestDebug(false, new long[0], List.of(new Watchpoint(DATA - 1, 4, Access.WRITE)))));
        assertStop(cpu, cpu.run(), new DebugStop(DebugStop.Cause.WATCHPOINT, DATA - 1, Access.WRITE), 0x1005);
    }

    @Test
    void whatTheDebugRegistersCannotDoIsRefused() {
        VirtualCpu cpu = boot();
        assertFalse(cpu.setGuestDebug(new GuestDebug(false, new long[] {1, 2, 3, 4, 5})));
        assertFalse(cpu.setGuestDebug(new GuestDebug(false, new long[0], List.of(new Watchpoint(DATA, 1, Access.READ)))));
        assertFalse(cpu.setGuestDebug(new GuestDebug(false, new long[] {1, 2, 3},
                List.of(new Watchpoint(DATA, 16, Access.WRITE)))));
        assertEnd(cpu, cpu.run(), 1);
    }

    @Test
    void theFpuAndSseRegistersAreKvmsAndWritable() {
        VirtualCpu cpu = boot();
        FpuRegisters reset = cpu.state().fpu();
        assertEquals(0x37F, reset.fcw(), "FCW after RESET");
        assertEquals(0x1F80, reset.mxcsr(), "MXCSR after RESET");
        byte[] x = reset.fxsave();
        for (int i = 0; i < 16; i++) {
            x[160 + 3 * 16 + i] = (byte) (0xA0 + i); // xmm3
            x[32 + 16 + (i % 10)] = (byte) (i + 1); // st1's 80 bits
        }
        x[24] = (byte) 0xA0; // MXCSR 0x1fa0: precision flag set
        cpu.setState(cpu.state().withFpu(new FpuRegisters(x)));
        FpuRegisters back = cpu.state().fpu();
        assertEquals(0x1FA0, back.mxcsr());
        byte[] b = back.fxsave();
        assertArrayEquals(java.util.Arrays.copyOfRange(x, 160 + 48, 160 + 64), java.util.Arrays.copyOfRange(b, 160 + 48, 160 + 64));
        assertArrayEquals(java.util.Arrays.copyOfRange(x, 48, 58), java.util.Arrays.copyOfRange(b, 48, 58));
        assertEnd(cpu, cpu.run(), 1);
    }
}
