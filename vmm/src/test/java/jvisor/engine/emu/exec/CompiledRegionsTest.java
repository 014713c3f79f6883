package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Tier 1: compiled regions, whose branches back to their own blocks are loops in the compiled
 * code, keep the interpreter's semantics: instruction counts, faults in the middle of an
 * iteration, code overwritten from inside the loop, interrupts that arrive while the loop spins.
 */
class CompiledRegionsTest {
    private static TestMachine compiling() {
        TestMachine m = new TestMachine();
        m.cpu.setCompileThreshold(1);
        return m;
    }

    @Test
    void aCompiledLoopRetiresEveryInstruction() {
        try (TestMachine m = compiling()) {
            ExitReason r = m.run64("""
                    mov ecx, 100000
                    xor eax, eax
                    1: add eax, ecx
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals((100000L * 100001 / 2) & 0xFFFF_FFFFL, m.reg(Cpu.RAX));
            assertEquals(2 + 3 * 100000 + 2, m.cpu.retired());
        }
    }

    /**
     * A loop whose body has an instruction straddling a page boundary: the block before that
     * instruction ends there, so it is compiled like any other; only the straddling instruction
     * runs interpreted. (A block that ran into the next page could start no region, and a hot one
     * in Linux, 3% of a boot's instructions, stayed interpreted.)
     */
    @Test
    void aLoopAcrossAPageBoundaryIsCompiledUpToTheStraddlingInstruction() {
        String source = """
                mov ecx, 100000
                xor eax, eax
                xor edx, edx
                jmp 1f
                .org 0xff0
                1: add eax, ecx
                add edx, 3
                add eax, edx
                add eax, 0x11111
                nop
                nop
                mov esi, 0x22222222
                add eax, esi
                dec ecx
                jnz 1b
                cli
                hlt
                """;
        long expected;
        try (TestMachine m = new TestMachine()) {
            assertEquals(ExitReason.HLT, m.run64(source), m.cpu.describeExit());
            expected = m.reg(Cpu.RAX);
        }
        try (TestMachine m = compiling()) {
            assertEquals(ExitReason.HLT, m.run64(source), m.cpu.describeExit());
            assertEquals(expected, m.reg(Cpu.RAX));
            assertEquals(4 + 10 * 100000 + 2, m.cpu.retired());
            assertTrue(m.cpu.retiredInRegions() > 0.85 * m.cpu.retired(),
                    m.cpu.retiredInRegions() + " of " + m.cpu.retired() + " in regions");
        }
    }

    /**
     * The compile threshold counts runs of a typical block of eight instructions: a block four
     * times as long is compiled after a quarter of the runs, a short one only at the threshold.
     */
    @Test
    void aLongBlockIsCompiledAfterFewerRunsThanAShortOne() {
        String longLoop = "mov ecx, 20\nxor eax, eax\n1:\n" + "add eax, 1\n".repeat(30) + "dec ecx\njnz 1b\ncli\nhlt\n";
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(64); // 16 runs of the 32-instruction loop body
            assertEquals(ExitReason.HLT, m.run64(longLoop), m.cpu.describeExit());
            assertEquals(600, m.reg(Cpu.RAX));
            assertEquals(2 + 32 * 20 + 2, m.cpu.retired());
            assertEquals(32 * 4 + 2, m.cpu.retiredInRegions(), "the 16th run on, and the CLI and HLT after the loop");
        }
        String shortLoop = "mov ecx, 60\nxor eax, eax\n1: add eax, 1\ndec ecx\njnz 1b\ncli\nhlt\n";
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(64);
            assertEquals(ExitReason.HLT, m.run64(shortLoop), m.cpu.describeExit());
            assertEquals(60, m.reg(Cpu.RAX));
            assertEquals(0, m.cpu.retiredInRegions(), "59 runs of a 3-instruction block stay below 64");
        }
    }

    @Test
    void aRegionCompiledInTheBackgroundTakesOverWithoutLosingACount() throws InterruptedException {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setBackgroundCompileThreshold(1);
            long before = BackgroundCompiler.published();
            for (int round = 1; round <= 20; round++) {
                ExitReason r = m.run64("""
                        mov ecx, 200000
                        xor eax, eax
                        1: add eax, ecx
                        dec ecx
                        jnz 1b
                        cli
                        hlt
                        """);
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                assertEquals((200000L * 200001 / 2) & 0xFFFF_FFFFL, m.reg(Cpu.RAX));
                assertEquals(round * (2 + 3 * 200000L + 2), m.cpu.retired(), "round " + round);
                if (BackgroundCompiler.published() > before) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("the background compiler published no region in 20 rounds");
        }
    }

    @Test
    void aLoopPromotedToItsOptimizedVersionWhileItRunsLosesNoCount() {
        try (TestMachine m = compiling()) {
            m.cpu.setPromoteAfter(1000);
            for (int round = 1; round <= 3; round++) {
                ExitReason r = m.run64("""
                        mov ecx, 100000
                        xor eax, eax
                        1: add eax, ecx
                        dec ecx
                        jnz 1b
                        cli
                        hlt
                        """);
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                assertEquals((100000L * 100001 / 2) & 0xFFFF_FFFFL, m.reg(Cpu.RAX));
                assertEquals(round * (2 + 3 * 100000L + 2), m.cpu.retired(), "round " + round);
            }
        }
    }

    /**
     * Short runs of regions (a call to another page and back, two instructions a run): each
     * processor counts them into the region in batches, and the region is still compiled for C2
     * once it has run long enough, the processor then running that version.
     */
    @Test
    void regionsOfShortRunsArePromotedAndTheProcessorSwitchesToTheirC2Version() {
        try (TestMachine m = new TestMachine()) {
            Interpreter interpreter = new Interpreter(m.processor(), new SharedRegions());
            interpreter.setCompileThreshold(1, false);
            interpreter.setPromoteAfter(1000);
            m.load(TestMachine.CODE, Asm.code64("""
                    xor ebx, ebx
                    mov ecx, 20000
                    1: call f
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    .org 0x1000
                    f: inc ebx
                    ret
                    """));
            m.longMode(TestMachine.CODE);
            assertEquals(ExitReason.HLT, interpreter.run(), interpreter.lastEvent());
            assertEquals(20000, m.reg(Cpu.RBX));
            assertEquals(2 + 5 * 20000L + 2, interpreter.retired());
            assertTrue(interpreter.switchedToPromoted() >= 2, "the loop's region and f's went over to C2's version");
        }
    }

    @Test
    void aFaultInTheMiddleOfACompiledLoopIsPreciseAndCounted() {
        try (TestMachine m = compiling()) {
            m.catchExceptions64();
            m.pages.map4k(0x4000_0000_0000L, 0x300000, PageTables.P | PageTables.RW);
            ExitReason r = m.run64("""
                    movabs rdi, 0x400000000000
                    xor r8d, r8d
                    1: mov qword ptr [rdi], r8
                    add rdi, 8
                    inc r8d
                    jmp 1b
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.PF, m.caught().vector());
            assertEquals(0x4000_0000_1000L, m.caught().cr2());
            assertEquals(512, m.reg(8), "512 stores fit in the mapped page");
            assertEquals(TestMachine.CODE + 13, m.caught().rip(), "the faulting store (after 10 + 3 bytes)");
        }
    }

    @Test
    void aLoopThatOverwritesItsOwnCodeRunsTheNewCode() {
        try (TestMachine m = compiling()) {
            ExitReason r = m.run64("""
                    xor ebx, ebx
                    mov ecx, 1000
                    lea rsi, [rip + patch]
                    1: cmp ecx, 500
                    jne 2f
                    mov byte ptr [rsi], 0x90
                    mov byte ptr [rsi + 1], 0x90
                    2: dec ecx
                    patch: inc ebx
                    test ecx, ecx
                    jnz 1b
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(500, m.reg(Cpu.RBX), "INC EBX ran until it was overwritten");
        }
    }

    @Test
    void anInterruptEndsASpinningCompiledLoop() throws Exception {
        try (TestMachine m = compiling()) {
            m.load(0x80000, Asm.code64("mov byte ptr [0x6000], 1\niretq"));
            m.gate64(0x50, 0x80000, 0, 0, false);
            m.load(TestMachine.CODE, Asm.code64("""
                    sti
                    1: cmp byte ptr [0x6000], 0
                    je 1b
                    cli
                    hlt
                    """));
            m.longMode(TestMachine.CODE);
            Thread raiser = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                m.apic.raise(0x50);
            });
            ExitReason r = m.run();
            raiser.join();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read8(0x6000));
            assertTrue(m.cpu.retired() > 1000, "the loop spun compiled until the interrupt");
        }
    }
}
