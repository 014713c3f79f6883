package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * Where single-step #DB traps land (SDM 17.3.1.4, 6.8.3), as kvm-unit-tests' debug and idt tests
 * check them: after each instruction run with TF set, not after a software interrupt (its handler
 * starts with TF clear), not after MOV SS (the next instruction takes it), and after HLT without
 * halting; and RF, which lasts one instruction.
 */
class SingleStepTest {
    private static final long DB_HANDLER = 0x80800;
    private static final long BP_HANDLER = 0x80900;
    private static final long LOG = 0x6100;
    /** Where the guest stores the addresses of its labels for the assertions. */
    private static final long LABELS = 0x6400;

    private static final String SET_TF = "pushfq\nor qword ptr [rsp], 0x100\npopfq\n";
    private static final String CLEAR_TF = "pushfq\nand qword ptr [rsp], ~0x100\npopfq\n";

    /** A machine whose #DB handler logs each trap's return RIP and whose #BP handler logs its RFLAGS image. */
    private static TestMachine machine() {
        TestMachine m = new TestMachine();
        m.catchExceptions64();
        m.load(DB_HANDLER, Asm.code64("""
                push rax
                push rbx
                mov rax, [0x6100]
                mov rbx, [rsp + 16]
                mov [0x6108 + rax * 8], rbx
                inc rax
                mov [0x6100], rax
                pop rbx
                pop rax
                iretq
                """));
        m.load(BP_HANDLER, Asm.code64("""
                push rax
                mov rax, [rsp + 24]
                mov [0x6300], rax
                pop rax
                iretq
                """));
        m.gate64(Vectors.DB, DB_HANDLER, 0, 0, false);
        m.gate64(Vectors.BP, BP_HANDLER, 3, 0, false);
        return m;
    }

    /** Runs {@code code}, then stores label {@code names[k]}'s address at LABELS + 8k, and halts. */
    private static void run(TestMachine m, String code, String... names) {
        StringBuilder src = new StringBuilder(code);
        for (int k = 0; k < names.length; k++) {
            src.append("\nlea rax, [rip + ").append(names[k]).append("]\nmov [").append(LABELS + 8L * k).append("], rax");
        }
        src.append("\nmov byte ptr [0x6000], 1\ncli\nhlt\n");
        ExitReason r = m.run64(src.toString());
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        assertEquals(-1, m.caught().vector(), "no other exception");
        assertEquals(1, m.ram.read8(0x6000), "the code ran to its end");
    }

    private static List<Long> traps(TestMachine m) {
        List<Long> rips = new ArrayList<>();
        for (long k = 0; k < m.ram.read64(LOG); k++) {
            rips.add(m.ram.read64(LOG + 8 + 8 * k));
        }
        return rips;
    }

    private static long label(TestMachine m, int k) {
        return m.ram.read64(LABELS + 8L * k);
    }

    @Test
    void eachInstructionRunWithTfSetTraps() {
        try (TestMachine m = machine()) {
            run(m, SET_TF + "a: nop\nb: nop\nc: pushfq\nd: and qword ptr [rsp], ~0x100\ne: popfq\nf:",
                    "a", "b", "c", "d", "e", "f");
            assertEquals(List.of(label(m, 1), label(m, 2), label(m, 3), label(m, 4), label(m, 5)), traps(m),
                    "none after the POPF that set TF; after each NOP, PUSHFQ, AND and the POPF clearing TF");
        }
    }

    @Test
    void softwareInterruptsTakeNoSingleStepTrapIntoTheirHandler() {
        try (TestMachine m = machine()) {
            run(m, SET_TF + "a: int3\nb: nop\nc: " + CLEAR_TF, "a", "b", "c");
            assertEquals(label(m, 2), traps(m).get(0),
                    "the first trap follows the NOP after the handler's IRETQ, none at the handler's entry");
        }
        try (TestMachine m = machine()) {
            m.gate64(0x40, BP_HANDLER, 0, 0, false);
            run(m, SET_TF + "a: int 0x40\nb: nop\nc: " + CLEAR_TF, "a", "b", "c");
            assertEquals(label(m, 2), traps(m).get(0), "INT n");
        }
    }

    @Test
    void movSsDefersTheTrapToTheNextInstruction() {
        try (TestMachine m = machine()) {
            run(m, SET_TF + "a: mov ax, ss\nb: mov ss, ax\nc: nop\nd: " + CLEAR_TF, "a", "b", "c", "d");
            assertEquals(List.of(label(m, 1), label(m, 3)), traps(m).subList(0, 2),
                    "no trap between MOV SS and the NOP; one after the NOP");
        }
    }

    @Test
    void hltWithTfSetTrapsAfterTheHltInsteadOfHalting() {
        try (TestMachine m = machine()) {
            run(m, SET_TF + "a: hlt\nb: " + CLEAR_TF, "a", "b");
            assertEquals(label(m, 1), traps(m).get(0), "the trap's return address is after the HLT");
        }
    }

    @Test
    void rfLastsOneInstruction() {
        try (TestMachine m = machine()) {
            run(m, """
                    mov rax, rsp
                    push 0x10
                    push rax
                    push 0x10002
                    push 0x08
                    lea rax, [rip + 1f]
                    push rax
                    iretq
                    1: nop
                    int3
                    """);
            assertEquals(0, m.ram.read64(0x6300) & Flags.RF, "RF was cleared when the NOP after IRETQ completed");
        }
    }
}
