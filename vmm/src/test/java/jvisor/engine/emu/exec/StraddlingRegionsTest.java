package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Loops whose body crosses a page boundary through an instruction that straddles it (ADD R13D,
 * imm32 with its opcode at the end of one page and its immediate on the next, as the kernel's
 * multi-precision multiply loop has a load): the region takes the straddling instruction and the
 * next page in ({@link BlockCache#plan}), and checks that page, as the dispatcher would, each time
 * it goes onto it. Each case compares the compiled runs with the interpreter's.
 */
class StraddlingRegionsTest {
    private static final int THRESHOLD = 3;

    /**
     * 1,000 rounds adding the straddling instruction's immediate to R13D; in round 500 the loop
     * rewrites that immediate (on the second page) from 1 to 100 when {@code rewrite} is set.
     */
    private static final String LOOP = """
            xor r13d, r13d
            xor r12d, r12d
            mov ecx, 1000
            jmp 1f
            .org 0xFE0, 0x90
            1: inc r12d
            cmp ecx, %d
            jne 2f
            mov dword ptr [rip + imm], 100
            2: nop
            .org 0xFFD, 0x90
            .byte 0x41, 0x81, 0xC5
            imm: .long 1
            dec ecx
            jnz 1b
            cli
            hlt
            """;

    @Test
    void aLoopAcrossAPageBoundaryStaysInOneRegion() {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(THRESHOLD);
            assertEquals(ExitReason.HLT, m.run64(LOOP.formatted(-1)), m.cpu.describeExit());
            assertEquals(1000, m.reg(13));
            assertEquals(1000, m.reg(12));
            // With the straddling instruction interpreted, every round is two region runs.
            assertTrue(regionRuns(m) < 100, m.cpu.engineStats());
        }
    }

    @Test
    void theStraddlingInstructionRewrittenOnItsSecondPageRunsTheNewCode() {
        String source = LOOP.formatted(500);
        long[] interpreted = run(source, 0, false);
        assertEquals(500 + 500 * 100, interpreted[0], "ADD R13D, 1 until round 500, ADD R13D, 100 from it");
        assertEquals(1000, interpreted[1]);
        assertSameRun(interpreted, run(source, THRESHOLD, false));
        assertSameRun(interpreted, run(source, THRESHOLD, true));
    }

    /** Linear pages LOOP_PAGE and the one after it; the second maps SECOND_A, then SECOND_B (or nothing). */
    private static final long LOOP_PAGE = 0x4000_0000L;
    private static final long FIRST = 0x300000;
    private static final long SECOND_A = 0x301000;
    private static final long SECOND_B = 0x302000;

    @Test
    void aSecondPageRemappedByInvlpgRunsTheNewMapping() {
        assertRemapFollowed("invlpg [rdi]");
    }

    @Test
    void aSecondPageRemappedByACr3WriteRunsTheNewMapping() {
        assertRemapFollowed("mov rax, cr3\nmov cr3, rax");
    }

    private static void assertRemapFollowed(String flush) {
        long[] interpreted = remapped(flush, SECOND_B | PageTables.P | PageTables.RW, 0, false);
        assertEquals(500 + 500 * 100, interpreted[0], "500 rounds before the remapping, 500 after");
        assertSameRun(interpreted, remapped(flush, SECOND_B | PageTables.P | PageTables.RW, THRESHOLD, false));
        assertSameRun(interpreted, remapped(flush, SECOND_B | PageTables.P | PageTables.RW, THRESHOLD, true));
    }

    /** In round 500 the second page is unmapped: fetching the straddling instruction faults, naming its address. */
    @Test
    void aSecondPageUnmappedFaultsAtTheStraddlingInstruction() {
        long[] interpreted = remapped("invlpg [rdi]", 0, 0, false);
        assertEquals(Vectors.PF, interpreted[2]);
        assertEquals(LOOP_PAGE + 0xFFD, interpreted[3], "the straddling ADD");
        assertEquals(LOOP_PAGE + 0x1000, interpreted[4], "its second page");
        assertEquals(500, interpreted[0], "rounds 1000 to 501 added 1");
        assertEquals(501, interpreted[1], "round 500 incremented R12D before the ADD");
        assertSameRun(interpreted, remapped("invlpg [rdi]", 0, THRESHOLD, false));
        assertSameRun(interpreted, remapped("invlpg [rdi]", 0, THRESHOLD, true));
    }

    /**
     * Runs the loop at LOOP_PAGE, whose second page's PTE (at RSI) gets {@code pte} in round 500
     * before {@code flush}; returns R13, R12, and a caught exception's vector, RIP and CR2 (vector -1: none).
     */
    private static long[] remapped(String flush, long pte, int threshold, boolean forC2) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileForC2(forC2);
            m.cpu.setCompileThreshold(threshold);
            m.catchExceptions64();
            m.load(FIRST, Asm.at(LOOP_PAGE, """
                    .code64
                    1: inc r12d
                    cmp ecx, 500
                    jne 2f
                    mov qword ptr [rsi], rdx
                    %s
                    2: nop
                    .org 0xFFD, 0x90
                    .byte 0x41, 0x81, 0xC5
                    """.formatted(flush)));
            String second = """
                    .code64
                    .long %d
                    dec ecx
                    jnz %d
                    cli
                    hlt
                    """;
            m.load(SECOND_A, Asm.at(LOOP_PAGE + 0x1000, second.formatted(1, LOOP_PAGE)));
            m.load(SECOND_B, Asm.at(LOOP_PAGE + 0x1000, second.formatted(100, LOOP_PAGE)));
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    .code64
                    xor r13d, r13d
                    xor r12d, r12d
                    mov ecx, 1000
                    mov edi, %d
                    jmp %d
                    """.formatted(LOOP_PAGE + 0x1000, LOOP_PAGE)));
            m.longMode(TestMachine.CODE);
            m.pages.map4k(LOOP_PAGE, FIRST, PageTables.P | PageTables.RW);
            m.pages.map4k(LOOP_PAGE + 0x1000, SECOND_A, PageTables.P | PageTables.RW);
            m.processor().setReg(Cpu.RSI, m.pages.leafAddress4k(LOOP_PAGE + 0x1000));
            m.processor().setReg(Cpu.RDX, pte);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            TestMachine.Caught c = m.caught();
            return new long[] {m.reg(13), m.reg(12), c.vector(), c.rip(), c.cr2()};
        }
    }

    private static long[] run(String source, int threshold, boolean forC2) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileForC2(forC2);
            m.cpu.setCompileThreshold(threshold);
            assertEquals(ExitReason.HLT, m.run64(source), m.cpu.describeExit());
            return new long[] {m.reg(13), m.reg(12)};
        }
    }

    private static void assertSameRun(long[] expected, long[] actual) {
        assertArrayEquals(expected, actual, Arrays.toString(expected) + " interpreted, " + Arrays.toString(actual)
                + " compiled");
    }

    private static long regionRuns(TestMachine m) {
        Matcher runs = Pattern.compile("over ([0-9,]+) runs").matcher(m.cpu.engineStats());
        assertTrue(runs.find(), m.cpu.engineStats());
        return Long.parseLong(runs.group(1).replace(",", ""));
    }
}
