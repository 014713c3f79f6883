package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regions that take in the code their calls and jumps reach on other pages, and that continue
 * after a RET at the return address of one of their calls ({@link BlockCache#plan}, with
 * {@link BlockCache#crossPages} on). Each run
 * compares a compiled run with the interpreter's: a jump onto another page must find that page
 * as the dispatcher would (not rewritten, still mapped there, no interrupt waiting), a RET to
 * another address than the call's must leave, and a fault on the second page must be precise.
 */
class ChainedRegionsTest {
    private boolean crossPagesBefore;
    private boolean returnPointsBefore;

    @BeforeEach
    void chain() {
        crossPagesBefore = BlockCache.crossPages;
        returnPointsBefore = BlockCache.returnPoints;
        BlockCache.crossPages = true;
        BlockCache.returnPoints = true;
    }

    @AfterEach
    void restore() {
        BlockCache.crossPages = crossPagesBefore;
        BlockCache.returnPoints = returnPointsBefore;
    }

    /** Blocks run this often interpreted before their region is compiled: by then the callees' pages are in the fetch TLB. */
    private static final int THRESHOLD = 3;

    /** Rounds of two calls, to f and g on two other pages; f rewrites g's INC EBX in round 500. */
    private static final String CALLS = """
            xor ebx, ebx
            xor r12d, r12d
            mov ecx, 1000
            lea rsi, [rip + g]
            1: call f
            call g
            dec ecx
            jnz 1b
            cli
            hlt
            .org 0x1000
            f: inc r12d
            cmp ecx, %d
            jne 2f
            mov word ptr [rsi], 0x9090
            2: ret
            .org 0x2000
            g: inc ebx
            ret
            """;

    @Test
    void callsAndReturnsAcrossPagesStayInOneRegion() {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(THRESHOLD);
            assertEquals(ExitReason.HLT, m.run64(CALLS.formatted(-1)), m.cpu.describeExit());
            assertEquals(1000, m.reg(Cpu.RBX));
            assertEquals(1000, m.reg(12));
            // Unchained, every round is three region runs at least (the loop, f, g).
            assertTrue(regionRuns(m) < 100, m.cpu.engineStats());
        }
    }

    @Test
    void aChainedPageRewrittenRunsTheNewCode() {
        String source = CALLS.formatted(500);
        long[] interpreted = run(source, 0, Cpu.RBX, 12);
        assertEquals(500, interpreted[0], "INC EBX ran until round 500 overwrote it");
        assertEquals(1000, interpreted[1]);
        assertArrayEquals(interpreted, run(source, THRESHOLD, Cpu.RBX, 12));
        assertArrayEquals(interpreted, runForC2(source, Cpu.RBX, 12));
    }

    /** From round 500 on, f returns two bytes past its call, over INC EBX: the RET must not come back to the call's block. */
    private static final String SKIPPING_RETURN = """
            xor ebx, ebx
            xor r13d, r13d
            mov ecx, 1000
            1: call f
            inc ebx
            inc r13d
            dec ecx
            jnz 1b
            cli
            hlt
            .org 0x1000
            f: cmp ecx, 500
            ja 2f
            add qword ptr [rsp], 2
            2: ret
            """;

    @Test
    void aReturnToAnotherAddressThanTheCallsLeavesForIt() {
        long[] interpreted = run(SKIPPING_RETURN, 0, Cpu.RBX, 13);
        assertEquals(500, interpreted[0], "INC EBX skipped from round 500 on");
        assertEquals(1000, interpreted[1]);
        assertArrayEquals(interpreted, run(SKIPPING_RETURN, THRESHOLD, Cpu.RBX, 13));
        assertArrayEquals(interpreted, runForC2(SKIPPING_RETURN, Cpu.RBX, 13));
    }

    /**
     * In round 500 the caller sends itself an interrupt (xAPIC ICR, shorthand self) just before
     * calling f on another page: the interpreter takes it between that block and f's, so the
     * handler finds f's address as the interrupted RIP; a region chained into f must leave there too.
     * (The NOP takes STI's interrupt shadow, so the loop's first block is the first to be compiled,
     * and its region reaches f by a jump forward, which has no other reason to check for interrupts.)
     */
    @Test
    void anInterruptRaisedBeforeAChainedCallIsTakenAtTheCallee() {
        long interpreted = interruptedRip(0);
        assertEquals(TestMachine.CODE + 0x1000, interpreted, "taken at f");
        assertEquals(interpreted, interruptedRip(THRESHOLD));
    }

    private static long interruptedRip(int threshold) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            m.load(0x80000, Asm.code64("""
                    mov rax, [rsp]
                    mov [0x6000], rax
                    inc qword ptr [0x6008]
                    iretq
                    """));
            m.gate64(0x50, 0x80000, 0, 0, false);
            m.load(TestMachine.CODE, Asm.code64("""
                    mov edi, 0xFEE00300
                    xor ebx, ebx
                    mov ecx, 1000
                    sti
                    nop
                    1: cmp ecx, 500
                    jne 2f
                    mov dword ptr [rdi], 0x40050
                    2: call f
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    .org 0x1000
                    f: inc ebx
                    ret
                    """));
            m.longMode(TestMachine.CODE);
            m.pages.map4k(0xFEE00000L, 0xFEE00000L, PageTables.P | PageTables.RW);
            ExitReason r = m.run();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1000, m.reg(Cpu.RBX));
            assertEquals(1, m.ram.read64(0x6008), "one interrupt");
            return m.ram.read64(0x6000);
        }
    }

    /**
     * In round 500, f (on another page) reads an unmapped address in the middle of its second
     * block, after changing R12 in its first: the page fault names f's instruction, and what
     * completed before it (the caller's INC R13D, f's INC R12D) is in the registers.
     */
    @Test
    void aFaultOnTheSecondPageIsDeliveredAtItsInstruction() {
        long[] interpreted = faulted(0);
        assertEquals(Vectors.PF, interpreted[0]);
        assertEquals(TestMachine.CODE + 0x1000 + 11, interpreted[1], "the MOV after INC R12D and CMP/JNE");
        assertEquals(0x7F00_0000_0000L, interpreted[2]);
        assertEquals(501, interpreted[3], "rounds 1000 down to 500 incremented R13D before calling f");
        assertEquals(501, interpreted[4]);
        assertArrayEquals(interpreted, faulted(THRESHOLD));
    }

    private static long[] faulted(int threshold) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            m.catchExceptions64();
            m.load(TestMachine.CODE, Asm.code64("""
                    xor r13d, r13d
                    xor r12d, r12d
                    mov ecx, 1000
                    movabs rsi, 0x7F0000000000
                    1: inc r13d
                    call f
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    .org 0x1000
                    f: inc r12d
                    cmp ecx, 500
                    jne 2f
                    mov rax, [rsi]
                    2: ret
                    """));
            m.longMode(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            TestMachine.Caught c = m.caught();
            return new long[] {c.vector(), c.rip(), c.cr2(), m.reg(13), m.reg(12)};
        }
    }

    /** Linear page FUNCTION maps function A (add 1), then, from the guest, function B (add 100). */
    private static final long FUNCTION = 0x4000_0000L;
    private static final long PAGE_A = 0x300000;
    private static final long PAGE_B = 0x301000;

    @Test
    void aChainedCallToAPageRemappedByInvlpgRunsTheNewMapping() {
        assertRemapFollowed("invlpg [rdi]");
    }

    @Test
    void aChainedCallToAPageRemappedByACr3WriteRunsTheNewMapping() {
        assertRemapFollowed("mov rax, cr3\nmov cr3, rax");
    }

    private static void assertRemapFollowed(String flush) {
        long interpreted = remapped(flush, 0);
        assertEquals(500 + 500 * 100, interpreted, "500 calls before the remapping, 500 after");
        assertEquals(interpreted, remapped(flush, THRESHOLD));
    }

    /** The caller calls FUNCTION directly (a CALL rel32), so a region may take the function in. */
    private static long remapped(String flush, int threshold) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            m.load(PAGE_A, Asm.code64("add ebx, 1\nret"));
            m.load(PAGE_B, Asm.code64("add ebx, 100\nret"));
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    .code64
                    xor ebx, ebx
                    mov ecx, 1000
                    mov edi, %d
                    1: cmp ecx, 500
                    jne 2f
                    mov qword ptr [rsi], rdx
                    %s
                    2: call %d
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    """.formatted(FUNCTION, flush, FUNCTION)));
            m.longMode(TestMachine.CODE);
            m.pages.map4k(FUNCTION, PAGE_A, PageTables.P | PageTables.RW);
            m.processor().setReg(Cpu.RSI, m.pages.leafAddress4k(FUNCTION));
            m.processor().setReg(Cpu.RDX, PAGE_B | PageTables.P | PageTables.RW);
            ExitReason r = m.run();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.reg(Cpu.RBX);
        }
    }

    private static long[] run(String source, int threshold, int... registers) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            return registersAfter(m, source, registers);
        }
    }

    /** As {@link #run}, with regions compiled in the form made for C2 (TLB look-ups in the region's own code). */
    private static long[] runForC2(String source, int... registers) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileForC2(true);
            m.cpu.setCompileThreshold(THRESHOLD);
            return registersAfter(m, source, registers);
        }
    }

    private static long[] registersAfter(TestMachine m, String source, int... registers) {
        assertEquals(ExitReason.HLT, m.run64(source), m.cpu.describeExit());
        long[] values = new long[registers.length];
        for (int k = 0; k < registers.length; k++) {
            values[k] = m.reg(registers[k]);
        }
        return values;
    }

    private static void assertArrayEquals(long[] expected, long[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual,
                java.util.Arrays.toString(expected) + " interpreted, " + java.util.Arrays.toString(actual) + " compiled");
    }

    private static long regionRuns(TestMachine m) {
        Matcher runs = Pattern.compile("over ([0-9,]+) runs").matcher(m.cpu.engineStats());
        assertTrue(runs.find(), m.cpu.engineStats());
        return Long.parseLong(runs.group(1).replace(",", ""));
    }
}
