package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * In 64-bit mode a non-canonical address is #SS(0) when the access goes through SS (RSP- or
 * RBP-based operands, pushes and pops) and #GP(0) otherwise, in the interpreter and in compiled
 * regions alike (kvm-unit-tests' emulator test checks it).
 */
class StackSegmentFaultTest {
    private static TestMachine.Caught run(String code, boolean compiled) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            // #SS on its own stack (IST1), since a broken RSP cannot take the frame.
            m.gate64(Vectors.SS, TestMachine.HANDLERS + 16L * Vectors.SS, 0, 1, false);
            m.ram.write64(TestMachine.TSS + 0x24, 0x50000);
            if (compiled) {
                m.cpu.setCompileThreshold(1);
            }
            ExitReason r = m.run64(code + "\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.caught();
        }
    }

    /** {@code access} after a loop that makes the block it sits in hot enough to compile. */
    private static String afterLoop(String setup, String access) {
        return setup + "\n" + """
                mov ecx, 3
                1: dec ecx
                jz 2f
                jmp 1b
                2: cmp ecx, 0
                jne 3f
                """ + access + "\n3:";
    }

    private static void assertStackFault(String setup, String access) {
        for (boolean compiled : new boolean[] {false, true}) {
            TestMachine.Caught c = run(afterLoop(setup, access), compiled);
            assertEquals(Vectors.SS, c.vector(), access + (compiled ? " (compiled)" : ""));
            assertEquals(0, c.errorCode(), access);
        }
    }

    @Test
    void rbpAndRspBasedOperandsAreStackFaults() {
        assertStackFault("movabs rbp, 0x8000000000000000", "mov rax, [rbp]");
        assertStackFault("movabs rbx, 0x7fff00000000", "mov rax, [rsp + rbx * 2]");
        assertStackFault("movabs rbp, 0x8000000000000000", "mov qword ptr [rbp + 8], 1");
        assertStackFault("movabs rax, 0x8000000000000000", "mov rbx, ss:[rax]");
    }

    @Test
    void pushesAndPopsWithANonCanonicalStackPointerAreStackFaults() {
        assertStackFault("movabs rsp, 0x8000000000000010", "push rax");
        assertStackFault("movabs rsp, 0x8000000000000010", "pop rax");
        assertStackFault("movabs rsp, 0x8000000000000010", "call 4f\n4:");
    }

    @Test
    void otherSegmentsStayGeneralProtection() {
        for (boolean compiled : new boolean[] {false, true}) {
            TestMachine.Caught c = run(afterLoop("movabs rbp, 0x8000000000000000", "mov rax, ds:[rbp]"), compiled);
            assertEquals(Vectors.GP, c.vector(), "DS override");
            c = run(afterLoop("movabs rax, 0x8000000000000000", "mov rbx, [rax]"), compiled);
            assertEquals(Vectors.GP, c.vector());
            assertEquals(0, c.errorCode());
        }
    }
}
