package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * Decoded code found again by its host address after a TLB flush ({@link BlockCache}'s second
 * level): the page epochs vouch for it, so its bytes are not compared with memory each time; but
 * after the VMM wrote guest memory directly and loaded a processor state (a loader, a test
 * harness), they are, and the new code runs.
 */
class CodeFoundAgainTest {
    /** A thousand CR3 writes, each followed by a call to a function on another page. */
    private static final String FLUSH_AND_CALL = """
            mov ecx, 1000
            xor ebx, ebx
            1: mov rax, cr3
            mov cr3, rax
            call f
            dec ecx
            jnz 1b
            cli
            hlt
            .org 0x1000
            f: inc ebx
            ret
            """;

    @Test
    void codeFoundAgainAfterEachCr3WriteIsComparedWithMemoryOnlyOnce() {
        for (int threshold : new int[] {0, 100}) {
            try (TestMachine m = new TestMachine()) {
                m.cpu.setCompileThreshold(threshold);
                assertEquals(ExitReason.HLT, m.run64(FLUSH_AND_CALL), m.cpu.describeExit());
                assertEquals(1000, m.reg(Cpu.RBX));
                assertTrue(m.cpu.codeComparisons() < 20, "threshold " + threshold + ": " + m.cpu.codeComparisons()
                        + " comparisons for 1,000 flushes");
            }
        }
    }

    @Test
    void codeTheVmmRewroteBeforeLoadingAStateRunsNewInterpretedAndCompiled() {
        for (int threshold : new int[] {0, 1}) {
            try (TestMachine m = new TestMachine()) {
                m.cpu.setCompileThreshold(threshold);
                for (int round = 1; round <= 3; round++) {
                    // Ten runs of the block each round, so it is compiled where the threshold allows.
                    m.load(TestMachine.CODE,
                            Asm.code64("mov ecx, 10\n1: mov ebx, " + round + "\ndec ecx\njnz 1b\ncli\nhlt"));
                    m.longMode(TestMachine.CODE);
                    assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
                    assertEquals(round, m.reg(Cpu.RBX), "threshold " + threshold + ", round " + round);
                }
            }
        }
    }
}
