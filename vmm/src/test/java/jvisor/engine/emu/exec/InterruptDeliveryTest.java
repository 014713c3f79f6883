package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * External interrupts and NMIs through {@link jvisor.engine.emu.LocalInterrupts}: taken only with
 * IF set and outside the STI shadow, acknowledged, waking HLT; NMIs regardless of IF and blocked
 * until IRET.
 */
class InterruptDeliveryTest {
    /** A handler for vector 0x40 that counts in [0x6000], records RAX in [0x6008] and returns. */
    private static void countingHandler(TestMachine m, int vector, long at) {
        m.load(at, jvisor.engine.emu.Asm.code64("""
                inc qword ptr [0x6000]
                mov [0x6008], rax
                iretq
                """));
        m.gate64(vector, at, 0, 0, false);
    }

    @Test
    void aPendingInterruptWaitsForIfAndIsAcknowledged() {
        try (TestMachine m = new TestMachine()) {
            countingHandler(m, 0x40, 0x80000);
            m.apic.raise(0x40);
            ExitReason r = m.run64("""
                    mov rax, 1
                    mov [0x6010], rax
                    sti
                    mov rax, 2
                    mov rax, 3
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read64(0x6000), "taken once");
            assertEquals(2, m.ram.read64(0x6008), "after the instruction in STI's shadow, not before");
            assertEquals(List.of(0x40), m.apic.acknowledged);
        }
    }

    @Test
    void stiHltWakesOnAnInterrupt() {
        try (TestMachine m = new TestMachine()) {
            countingHandler(m, 0x41, 0x80000);
            m.apic.raise(0x41);
            ExitReason r = m.run64("""
                    sti
                    hlt
                    mov qword ptr [0x6018], 1
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read64(0x6000));
            assertEquals(1, m.ram.read64(0x6018), "execution continues after HLT");
        }
    }

    @Test
    void anNmiIsTakenWithInterruptsDisabledAndBlocksTheNextUntilIret() {
        try (TestMachine m = new TestMachine()) {
            m.load(0x80000, jvisor.engine.emu.Asm.code64("""
                    inc qword ptr [0x6000]
                    cmp qword ptr [0x6000], 1
                    jne 1f
                    mov qword ptr [0x6020], 1
                    1: iretq
                    """));
            m.gate64(2, 0x80000, 0, 0, false);
            m.apic.raiseNmi();
            ExitReason r = m.run64("""
                    mov rcx, 100
                    1: dec rcx
                    jnz 1b
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read64(0x6000));
            assertTrue(m.processor().nmiBlocked == false, "IRET ends NMI blocking");
        }
    }

    @Test
    void aHaltWithInterruptsDisabledOnOneProcessorIsAnHltExit() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(ExitReason.HLT, m.run64("cli\nhlt"));
            assertTrue(m.processor().halted);
        }
    }

    @Test
    void aKickStopsTheProcessorPromptly() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.load(TestMachine.CODE, jvisor.engine.emu.Asm.code64("1: jmp 1b"));
            m.longMode(TestMachine.CODE);
            Thread kicker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                m.cpu.kick();
            });
            assertEquals(ExitReason.STOPPED, m.run());
            kicker.join();
        }
    }
}
