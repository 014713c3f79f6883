package jvisor.engine.kvm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.IoExit;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
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
 * Real guests on /dev/kvm: a few instructions in real or protected mode, run to the exit they
 * cause. Skipped where the host has no usable /dev/kvm. Each test runs on its own thread, which
 * creates the vCPUs it runs (kicks signal the creating thread). Guests end by writing to port 0xF4.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvmGuestTest {
    private static final long CODE = 0x1000;
    private static final long DATA = 0x2000;
    private static final int DONE_PORT = PcLayout.DEBUG_EXIT;
    private static final long LIVENESS_SECONDS = 60;

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

    private void boot(int cpus) {
        Path dev = Path.of(KvmEngine.DEVICE);
        assumeTrue(Files.exists(dev), "no /dev/kvm on this host: the kvm engine's guest tests need hardware virtualization");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "/dev/kvm exists but this user cannot open it");
        engine = KvmEngine.open(cpus);
        ram = GuestMemory.allocate(1 << 20);
        MmioHandler none = new MmioHandler() {
            public long read(long offset, int size) {
                return MmioHandler.floating(size);
            }

            public void write(long offset, int size, long value) { }
        };
        vm = engine.createVm(new VmSpec(ram, cpus, new PortBus(), new MmioBus(none)));
    }

    private VirtualCpu bsp(CpuState state) {
        VirtualCpu cpu = vm.createCpu(0, null);
        cpu.setState(state);
        return cpu;
    }

    // --- real mode -------------------------------------------------------------------------

    /**
     * <pre>
     *   mov al, 0x42 / out 0x80, al / mov ax, 0x1234 / mov dx, 0x3f8 / out dx, ax
     *   in al, 0x71 / out 0x80, al / out 0xf4, al
     * </pre>
     */
    private static final byte[] REAL_MODE_IO = hex("b042e680b83412baf803efe471e680e6f4");

    @Test
    void realModeOutAndInCarryPortSizeAndValue() {
        boot(1);
        ram.write(CODE, REAL_MODE_IO);
        VirtualCpu cpu = bsp(realMode(CODE));

        assertOut(cpu.run(), cpu, 0x80, 1, 0x42);
        assertOut(cpu.run(), cpu, 0x3F8, 2, 0x1234);

        assertEquals(ExitReason.IO, cpu.run());
        IoExit in = cpu.io();
        assertFalse(in.isWrite());
        assertEquals(0x71, in.port());
        assertEquals(1, in.size());
        assertEquals(1, in.count());
        in.setValue(0, 0x5A);

        assertOut(cpu.run(), cpu, 0x80, 1, 0x5A);
        assertOut(cpu.run(), cpu, DONE_PORT, 1, 0x5A);
    }

    /**
     * Initializes the PIC (vectors 0x20-0x27, only IRQ 4 unmasked), points vector 0x24 at a handler
     * that writes port 0x82, reports ready on port 0x80, then halts with interrupts on.
     */
    private static final byte[] REAL_MODE_IRQ = hex(
            "b011e620b020e621b004e621b001e621b0efe621c70690002610c70692000000e680fbf4ebfde682b020e620cf");

    @Test
    void anIsaInterruptLineReachesTheBspThroughThePicAndLint0() {
        boot(1);
        ram.write(CODE, REAL_MODE_IRQ);
        VirtualCpu cpu = bsp(realMode(CODE));
        assertOut(cpu.run(), cpu, 0x80, 1, 0xEF);
        vm.irqLine(PcLayout.IRQ_COM1).set(true);
        vm.irqLine(PcLayout.IRQ_COM1).set(false);
        assertEquals(ExitReason.IO, cpu.run());
        assertEquals(0x82, cpu.io().port(), "the handler of vector 0x24 ran");
    }

    // --- protected mode --------------------------------------------------------------------

    /** mov dx, 0xcfc / in eax, dx / mov dx, 0x3f8 / out dx, eax / out 0xf4, al */
    private static final byte[] DWORD_IO = hex("66bafc0ced66baf803efe6f4");

    @Test
    void aDwordInIsDeliveredBackIntoTheGuest() {
        boot(1);
        ram.write(CODE, DWORD_IO);
        VirtualCpu cpu = bsp(protectedMode(CODE));
        assertEquals(ExitReason.IO, cpu.run());
        assertEquals(0xCFC, cpu.io().port());
        assertEquals(4, cpu.io().size());
        assertFalse(cpu.io().isWrite());
        cpu.io().setValue(0, 0xDEAD_BEEF);
        assertOut(cpu.run(), cpu, 0x3F8, 4, 0xDEAD_BEEF);
    }

    /** mov edi, 0x2000 / mov ecx, 4 / mov dx, 0x60 / cld / rep insb / out 0xf4, al */
    private static final byte[] REP_INSB = hex("bf00200000b90400000066ba6000fcf36ce6f4");

    @Test
    void aStringInputIsBatchedIntoOneExitWithCountAboveOne() {
        boot(1);
        ram.write(CODE, REP_INSB);
        VirtualCpu cpu = bsp(protectedMode(CODE));
        assertEquals(ExitReason.IO, cpu.run());
        assertTrue(cpu.io().count() > 1, "KVM reads string input ahead, count " + cpu.io().count());
        int delivered = 0;
        for (int exits = 0; exits < 8; exits++) {
            IoExit in = cpu.io();
            assertEquals(0x60, in.port());
            assertFalse(in.isWrite());
            for (int i = 0; i < in.count(); i++) {
                in.setValue(i, 'a' + delivered++);
            }
            ExitReason next = cpu.run();
            assertEquals(ExitReason.IO, next);
            if (cpu.io().port() == DONE_PORT) {
                break;
            }
        }
        assertEquals(4, delivered);
        assertEquals("abcd", new String(ram.read(DATA, 4), StandardCharsets.US_ASCII));
    }

    /** mov esi, 0x2000 / mov ecx, 3 / mov dx, 0x3f8 / cld / rep outsb / out 0xf4, al */
    private static final byte[] REP_OUTSB = hex("be00200000b90300000066baf803fcf36ee6f4");

    @Test
    void aStringOutputDeliversEveryByteInOrder() {
        boot(1);
        ram.write(CODE, REP_OUTSB);
        ram.write(DATA, "xyz".getBytes(StandardCharsets.US_ASCII));
        VirtualCpu cpu = bsp(protectedMode(CODE));
        StringBuilder out = new StringBuilder();
        for (int exits = 0; exits < 8; exits++) {
            assertEquals(ExitReason.IO, cpu.run());
            IoExit o = cpu.io();
            if (o.port() == DONE_PORT) {
                break;
            }
            assertEquals(0x3F8, o.port());
            assertTrue(o.isWrite());
            assertEquals(1, o.size());
            for (int i = 0; i < o.count(); i++) {
                out.append((char) o.value(i));
            }
        }
        assertEquals("xyz", out.toString());
    }

    /** mov eax, [0xd0000000] / mov [0xd0000010], eax / out 0xf4, al */
    private static final byte[] MMIO = hex("a1000000d0a3100000d0e6f4");

    @Test
    void mmioOutsideRamExitsAndAReadIsDelivered() {
        boot(1);
        ram.write(CODE, MMIO);
        VirtualCpu cpu = bsp(protectedMode(CODE));
        assertEquals(ExitReason.MMIO, cpu.run());
        assertEquals(0xD000_0000L, cpu.mmio().address());
        assertEquals(4, cpu.mmio().size());
        assertFalse(cpu.mmio().isWrite());
        cpu.mmio().setValue(0x1122_3344L);
        assertEquals(ExitReason.MMIO, cpu.run());
        assertEquals(0xD000_0010L, cpu.mmio().address());
        assertTrue(cpu.mmio().isWrite());
        assertEquals(0x1122_3344L, cpu.mmio().value());
        assertEquals(ExitReason.IO, cpu.run());
        assertEquals(DONE_PORT, cpu.io().port());
    }

    /** ud2 with an empty IDT: #UD, #GP, #DF, triple fault. */
    private static final byte[] UD2 = hex("0f0b");

    @Test
    void aTripleFaultShutsTheProcessorDown() {
        boot(1);
        ram.write(CODE, UD2);
        VirtualCpu cpu = bsp(protectedMode(CODE));
        assertEquals(ExitReason.SHUTDOWN, cpu.run(), cpu::describeExit);
    }

    /** out 0x80, al / hlt / out 0xf4, al */
    private static final byte[] HALT = hex("e680f4e6f4");

    @Test
    void aKickEndsKvmRunBlockedInHlt() throws Exception {
        boot(1);
        ram.write(CODE, HALT);
        CountDownLatch halting = new CountDownLatch(1);
        KvmCpu[] holder = new KvmCpu[1];
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread.ofPlatform().name("cpu0").start(() -> {
            try {
                KvmCpu cpu = (KvmCpu) bsp(protectedMode(CODE));
                holder[0] = cpu;
                assertOut(cpu.run(), cpu, 0x80, 1, 0);
                halting.countDown();
                // Kicks keep coming until the processor is seen halted: a kick that lands before
                // the HLT only ends that run.
                for (int runs = 0; runs < 1000; runs++) {
                    ExitReason r = cpu.run();
                    if (r != ExitReason.STOPPED) {
                        outcome.complete("unexpected " + r + ": " + cpu.describeExit());
                        return;
                    }
                    if (cpu.mpState() == KvmConst.KVM_MP_STATE_HALTED) {
                        outcome.complete("halted at " + Long.toHexString(cpu.state().regs().rip()));
                        return;
                    }
                }
                outcome.complete("never halted");
            } catch (Throwable t) {
                halting.countDown();
                outcome.completeExceptionally(t);
            }
        });
        assertTrue(halting.await(LIVENESS_SECONDS, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIVENESS_SECONDS);
        while (!outcome.isDone() && System.nanoTime() < deadline) {
            if (holder[0] != null && holder[0].insideRun()) {
                holder[0].kick();
            }
            Thread.sleep(5);
        }
        assertEquals("halted at " + Long.toHexString(CODE + 3), outcome.get(1, TimeUnit.SECONDS));
    }

    @Test
    void aKickBeforeRunStopsTheNextRunOnceOnly() {
        boot(1);
        ram.write(CODE, HALT);
        VirtualCpu cpu = bsp(protectedMode(CODE));
        cpu.kick();
        assertEquals(ExitReason.STOPPED, cpu.run());
        assertOut(cpu.run(), cpu, 0x80, 1, 0);
    }

    @Test
    void stateWrittenIsStateRead() {
        boot(1);
        VirtualCpu cpu = vm.createCpu(0, null);
        CpuState s = protectedMode(0x1234);
        GeneralRegisters r = s.regs();
        s = s.withRegs(new GeneralRegisters(1, 2, 3, 4, 5, 6, 0x8000, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                r.rip(), r.rflags()));
        cpu.setState(s);
        CpuState back = cpu.state();
        assertEquals(s.regs(), back.regs());
        assertEquals(s.sregs().cs().selector(), back.sregs().cs().selector());
        assertEquals(s.sregs().cs().limit(), back.sregs().cs().limit());
        assertEquals(s.sregs().cs().access() & 0xE0FF, back.sregs().cs().access() & 0xE0FF);
        assertEquals(s.sregs().cr0(), back.sregs().cr0() & s.sregs().cr0());
        assertEquals(s.sregs().apicBase(), back.sregs().apicBase());
    }

    // --- two processors --------------------------------------------------------------------

    /**
     * BSP: enable its local APIC, send INIT and SIPI (vector 8: start at 0x8000) to all others,
     * report its own APIC ID from CPUID on port 0x81, then end.
     */
    private static final byte[] BSP_STARTS_AP = hex(
            "c705f000e0feff010000c7050003e0fe00450c00c7050003e0fe08460c00b8010000000fa2c1eb1889d8e681e6f4");
    /** AP, real mode at 0x8000: report the APIC ID from CPUID on port 0x81, then halt. */
    private static final byte[] AP_REPORTS = hex("66b8010000000fa266c1eb186689d8e681faf4ebfd");

    @Test
    void theBspStartsAnApWhichSeesItsOwnApicId() throws Exception {
        boot(2);
        ram.write(CODE, BSP_STARTS_AP);
        ram.write(0x8000, AP_REPORTS);
        CountDownLatch apCreated = new CountDownLatch(1);
        KvmCpu[] ap = new KvmCpu[1];
        CompletableFuture<List<String>> apSaw = new CompletableFuture<>();
        Thread.ofPlatform().name("cpu1").start(() -> {
            try {
                ap[0] = (KvmCpu) vm.createCpu(1, null);
                List<String> seen = new ArrayList<>();
                seen.add("mp_state " + ap[0].mpState());
                apCreated.countDown();
                ExitReason r = ap[0].run();
                seen.add(r + (r == ExitReason.IO ? " port " + Integer.toHexString(ap[0].io().port())
                        + " value " + ap[0].io().value(0) : ""));
                apSaw.complete(seen);
            } catch (Throwable t) {
                apCreated.countDown();
                apSaw.completeExceptionally(t);
            }
        });
        assertTrue(apCreated.await(LIVENESS_SECONDS, TimeUnit.SECONDS));
        VirtualCpu bsp = bsp(protectedMode(CODE));
        assertOut(bsp.run(), bsp, 0x81, 1, 0);
        assertOut(bsp.run(), bsp, DONE_PORT, 1, 0);
        List<String> seen;
        try {
            seen = apSaw.get(LIVENESS_SECONDS, TimeUnit.SECONDS);
        } finally {
            ap[0].kick();
        }
        assertEquals(List.of("mp_state " + KvmConst.KVM_MP_STATE_UNINITIALIZED, "IO port 81 value 1"), seen);
    }

    // --- helpers ---------------------------------------------------------------------------

    private static void assertOut(ExitReason reason, VirtualCpu cpu, int port, int size, int value) {
        assertEquals(ExitReason.IO, reason, cpu::describeExit);
        IoExit out = cpu.io();
        assertTrue(out.isWrite(), () -> "expected an OUT, got " + cpu.describeExit());
        assertEquals(port, out.port());
        assertEquals(size, out.size());
        assertEquals(1, out.count());
        int mask = size == 4 ? -1 : (1 << (8 * size)) - 1;
        assertEquals(value & mask, out.value(0));
    }

    /** Real mode, CS = DS = SS = 0, at {@code ip}, stack at 0x8000. */
    static CpuState realMode(long ip) {
        CpuState reset = CpuState.reset(true);
        SystemRegisters r = reset.sregs();
        Segment code = Segment.realMode(0, true);
        Segment data = Segment.realMode(0, false);
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data, r.tr(), r.ldt(),
                r.gdt(), r.idt(), r.cr0(), 0, 0, 0, 0, 0, r.apicBase());
        GeneralRegisters g = reset.regs().withRip(ip);
        return new CpuState(withStack(g, 0x8000), s);
    }

    /** 32-bit protected mode with flat segments, paging off, an empty IDT (any exception triple-faults). */
    static CpuState protectedMode(long eip) {
        Segment code = Segment.flatCode32(0x08);
        Segment data = Segment.flatData32(0x10);
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data,
                Segment.resetTaskRegister(), Segment.resetLdt(), new DescriptorTable(0, 0), new DescriptorTable(0, 0),
                SystemRegisters.CR0_PE | SystemRegisters.CR0_ET, 0, 0, 0, 0, 0,
                SystemRegisters.APIC_BASE_DEFAULT | SystemRegisters.APIC_BASE_BSP);
        return new CpuState(withStack(GeneralRegisters.reset().withRip(eip), 0x8000), s);
    }

    private static GeneralRegisters withStack(GeneralRegisters g, long sp) {
        long[] r = g.toArray();
        r[4] = sp;
        return GeneralRegisters.fromArray(r, g.rip(), g.rflags());
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void guestCodeIsWhatTheCommentsSay() {
        assertArrayEquals(new byte[] {(byte) 0xE6, (byte) 0x80, (byte) 0xF4, (byte) 0xE6, (byte) 0xF4}, HALT);
        assertEquals(0x1026, (REAL_MODE_IRQ[0x19] & 0xFF) << 8 | (REAL_MODE_IRQ[0x18] & 0xFF), "IVT entry = handler");
        assertEquals(0x90, REAL_MODE_IRQ[0x16] & 0xFF, "IVT slot of vector 0x24");
        assertEquals((byte) 0xE6, REAL_MODE_IRQ[0x26], "the handler starts with out 0x82, al");
        assertEquals((byte) 0x82, REAL_MODE_IRQ[0x27]);
    }
}
