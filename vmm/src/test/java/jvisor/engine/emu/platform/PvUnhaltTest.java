package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuTestAccess;
import jvisor.engine.emu.TestIo;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.Tsc;
import org.junit.jupiter.api.Test;

/**
 * KVM's paravirtual unhalt (KVM_FEATURE_PV_UNHALT, KVM_HC_KICK_CPU): a kick ends the HLT of the
 * processor it names, even with interrupts disabled, or its next HLT if it is not halted; it is
 * no interrupt. Timeouts only turn a hang into a failure.
 */
class PvUnhaltTest {
    private static final long HANG_MILLIS = 20_000;

    private final TestPlatform t = new TestPlatform(3);
    private final LocalApic[] cpus = t.enabledApics(3);

    private static Thread waiter(Runnable wait) {
        Thread thread = Thread.ofPlatform().daemon().name("halted-cpu").start(wait);
        while (thread.getState() != Thread.State.WAITING) {
            if (!thread.isAlive()) {
                fail("the processor thread did not wait");
            }
            Thread.onSpinWait();
        }
        return thread;
    }

    private static void assertEnds(Thread thread) throws InterruptedException {
        thread.join(HANG_MILLIS);
        assertFalse(thread.isAlive(), "the halted processor was not woken");
    }

    @Test
    void aKickEndsTheWaitOfAProcessorHaltedWithInterruptsDisabled() throws InterruptedException {
        Thread halted = waiter(() -> cpus[1].awaitEvent(false));
        cpus[0].kickCpu(1);
        assertEnds(halted);
        assertFalse(cpus[1].hasEvents(), "a kick is no interrupt");
        assertTrue(cpus[1].takeUnhalt());
        assertFalse(cpus[1].takeUnhalt(), "taken once");
    }

    @Test
    void aKickBeforeTheHaltEndsTheNextOne() throws InterruptedException {
        cpus[0].kickCpu(2);
        assertFalse(cpus[2].hasEvents(), "the running processor is not stopped by it");
        Thread halted = Thread.ofPlatform().daemon().start(() -> cpus[2].awaitEvent(false));
        assertEnds(halted);
        assertTrue(cpus[2].takeUnhalt());
    }

    @Test
    void kicksGoByPhysicalApicIdToHardwareEnabledApicsOnly() {
        cpus[0].kickCpu(7);
        cpus[0].kickCpu(1L << 32 | 1);
        for (LocalApic c : cpus) {
            assertFalse(c.takeUnhalt());
        }
        cpus[2].setApicBaseMsr(cpus[2].apicBaseMsr() & ~(1L << 11));
        cpus[0].kickCpu(2);
        assertFalse(cpus[2].takeUnhalt(), "a hardware-disabled APIC takes no kick");
        cpus[0].kickCpu(1);
        TestPlatform.ipi(cpus[0], 1, 0x500); // INIT
        assertFalse(cpus[1].takeUnhalt(), "INIT drops a pending kick");
    }

    private static final long REQUEST = 0x6000;   // round processor 0 asks for
    private static final long ANSWER = 0x6008;    // round processor 1 answered
    private static final long WAKEUPS = 0x6010;   // HLTs processor 1 left
    private static final long DONE = 0x6020;
    private static final long FEATURES = 0x6028;  // CPUID 0x40000101 EAX
    private static final long RESULTS = 0x6030;   // the hypercall's results, ORed

    /**
     * Processor 0 (at CODE) asks, kicks processor 1 (APIC ID 1) by KVM_HC_KICK_CPU and spins for
     * the answer; processor 1 (at +0x200) answers and halts with interrupts disabled, so only a
     * kick ends its HLT, including one that comes between its check and its HLT.
     */
    private static String guest(int rounds) {
        return """
                .code64
                mov eax, 0x40000101
                xor ecx, ecx
                cpuid
                mov [0x6028], eax
                xor r9d, r9d
                round: inc r9d
                mov [0x6000], r9d
                mov eax, 5
                xor ebx, ebx
                mov ecx, 1
                vmcall
                or [0x6030], rax
                wait: pause
                cmp [0x6008], r9d
                jne wait
                cmp r9d, %d
                jne round
                mov [0x6020], r9d
                cli
                hlt

                .org 0x200
                cli
                again: mov eax, [0x6000]
                cmp eax, [0x6008]
                je sleep
                mov [0x6008], eax
                sleep: hlt
                inc qword ptr [0x6010]
                jmp again
                """.formatted(rounds);
    }

    @Test
    void kickedProcessorLeavesHltWithInterruptsDisabledEveryRound() throws InterruptedException {
        int rounds = 2_000;
        try (TestMachine m = new TestMachine()) {
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, guest(rounds)));
            m.longMode(TestMachine.CODE);
            CpuState state = m.cpu.state();
            PortBus ports = new PortBus();
            MmioBus mmio = new MmioBus(null);
            PcPlatform platform = PcPlatform.build(2, ports, mmio, new Tsc());
            var vm = EmuTestAccess.vm(new VmSpec(m.ram, 2, ports, mmio), platform);
            VirtualCpu[] vcpus = {vm.createCpu(0, new TestIo()), vm.createCpu(1, new TestIo())};
            Thread[] threads = new Thread[2];
            for (int k = 0; k < 2; k++) {
                long[] regs = new long[16];
                regs[4] = TestMachine.STACK - k * 0x1000L;
                vcpus[k].setState(state.withRegs(GeneralRegisters.fromArray(regs, TestMachine.CODE + k * 0x200L, 2)));
                VirtualCpu cpu = vcpus[k];
                threads[k] = Thread.ofPlatform().daemon().name("cpu" + k).start(cpu::run);
            }
            long deadline = System.nanoTime() + HANG_MILLIS * 1_000_000;
            while (m.ram.read32(DONE) != rounds && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            for (VirtualCpu cpu : vcpus) {
                cpu.kick();
            }
            for (Thread thread : threads) {
                thread.join(HANG_MILLIS);
            }
            platform.close();
            assertEquals(rounds, m.ram.read32(DONE), "processor 1 answered every round");
            assertEquals(rounds, m.ram.read32(ANSWER));
            assertTrue(m.ram.read64(WAKEUPS) >= rounds - 1, "woken by kicks alone: " + m.ram.read64(WAKEUPS));
            assertEquals(1 << 7, m.ram.read32(FEATURES), "CPUID: KVM_FEATURE_PV_UNHALT, nothing else");
            assertEquals(0, m.ram.read64(RESULTS), "KVM_HC_KICK_CPU returns 0");
        }
    }
}
