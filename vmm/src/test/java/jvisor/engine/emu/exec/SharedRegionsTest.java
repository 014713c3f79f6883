package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuCpu;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.region.CompiledRegion;
import org.junit.jupiter.api.Test;

/**
 * Processors of one VM take each other's regions for the same code, and only while it is
 * unchanged; code they run together is compiled once their runs together reach the threshold.
 */
class SharedRegionsTest {
    private static final long HOST = 0x5000 + 0x123;

    private static Block block(CodePages pages, long rip, int modeKey) {
        return new Block(0, rip, 0, modeKey, HOST, pages, -1, -1, new byte[0]);
    }

    private static final CompiledRegion REGION = new CompiledRegion() {
        @Override
        public int run(Cpu c) {
            return 0;
        }
    };

    @Test
    void aSecondProcessorTakesTheRegionCompiledForTheSameCode() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        Block first = block(pages, 0xFFFF_FFFF_8100_0123L, 16);
        first.members = new Block[] {first};
        shared.publish(first, REGION);
        Block second = block(pages, 0xFFFF_FFFF_8100_0123L, 16);
        assertTrue(shared.adopt(second, m -> true));
        assertSame(REGION, second.region);
        assertSame(first.members, second.members, "the members are checked against memory like the first's");
    }

    @Test
    void noRegionIsTakenForOtherCodeOrAnotherMode() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        shared.publish(block(pages, 0x401123, 16), REGION);
        assertFalse(shared.adopt(block(pages, 0x402123, 16), m -> true), "same host bytes at another RIP");
        assertFalse(shared.adopt(block(pages, 0x401123, 16 | (3 << 6)), m -> true), "the same code at CPL 3");
    }

    @Test
    void aRegionIsNotTakenWhereMemoryNoLongerHoldsItsBlocks() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        Block first = block(pages, 0x401123, 16);
        first.members = new Block[] {first};
        shared.publish(first, REGION);
        Block second = block(pages, 0x401123, 16);
        assertFalse(shared.adopt(second, m -> false), "rewritten without an epoch moving (a harness, a loader)");
        assertNull(second.region);
    }

    @Test
    void aRegionOfCodeWrittenSinceIsNotTaken() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        pages.markCode(HOST, 16);
        shared.publish(block(pages, 0x401123, 16), REGION);
        pages.written(HOST + 4, 1);
        Block later = block(pages, 0x401123, 16);
        assertFalse(shared.adopt(later, m -> true), "compiled under the page's previous epoch");
        assertNull(later.region);
    }

    @Test
    void runsOfAllProcessorsCountTowardsTheThresholdAndOneOfThemCompiles() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        Block onFirst = block(pages, 0x401123, 16);
        Block onSecond = block(pages, 0x401123, 16);
        assertFalse(shared.warmed(onFirst, 60, 100, 0));
        assertTrue(shared.warmed(onSecond, 40, 100, 1), "60 + 40 runs: the second processor got there");
        assertFalse(shared.warmed(onFirst, 60, 100, 0), "the first adopts the second's region instead");
        assertTrue(shared.warmed(onSecond, 1, 100, 1), "still the second's to compile (after a failed submit)");
    }

    @Test
    void runsOfOtherCodeOrOfOverwrittenCodeDoNotCount() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        pages.markCode(HOST, 16);
        assertFalse(shared.warmed(block(pages, 0x401123, 16), 60, 100, 0));
        assertFalse(shared.warmed(block(pages, 0x402123, 16), 60, 100, 1), "same host bytes at another RIP");
        assertFalse(shared.warmed(block(pages, 0x401123, 16 | (3 << 6)), 60, 100, 1), "the same code at CPL 3");
        pages.written(HOST + 4, 1);
        assertFalse(shared.warmed(block(pages, 0x401123, 16), 60, 100, 1), "runs of the code before the write");
        assertTrue(shared.warmed(block(pages, 0x401123, 16), 40, 100, 1));
    }

    @Test
    void aPublishedRegionStartsTheCountAgain() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        Block b = block(pages, 0x401123, 16);
        assertTrue(shared.warmed(b, 100, 100, 0));
        shared.publish(b, REGION);
        assertFalse(shared.warmed(b, 99, 100, 1));
    }

    @Test
    void aRegionDroppedBeforeItWasCompiledStartsTheCountAgain() {
        CodePages pages = new CodePages(1 << 20);
        SharedRegions shared = new SharedRegions();
        Block b = block(pages, 0x401123, 16);
        assertTrue(shared.warmed(b, 100, 100, 0));
        shared.cooled(b);
        assertFalse(shared.warmed(b, 8, 100, 0), "the background compiler dropped it: 8 runs are not 108");
        assertTrue(shared.warmed(b, 92, 100, 1));
    }

    /**
     * A loop whose block runs 89 times (the first round is part of the block before it), which
     * reports its runs at 8, 16, 32 and 64; a hypercall ends it (a halted processor of several
     * waits for an interrupt).
     */
    private static final String LOOP = """
            mov ecx, 90
            xor ebx, ebx
            1: add ebx, ecx
            dec ecx
            jnz 1b
            mov eax, 11
            vmcall
            """;

    @Test
    void aLoopBothProcessorsRunIsCompiledOnceTheirRunsTogetherReachTheThreshold() {
        try (TestMachine m = new TestMachine(64L << 20, 2)) {
            EmuCpu second = m.createCpu(1);
            m.cpu.setCompileThreshold(100);
            second.setCompileThreshold(100);
            m.load(TestMachine.CODE, Asm.code64(LOOP));
            m.longMode(TestMachine.CODE);
            CpuState start = m.cpu.state();
            assertEquals(ExitReason.HYPERCALL, m.run(), m.cpu.describeExit());
            assertEquals(0, m.cpu.retiredInRegions(), "89 runs on one processor stay below 100");
            second.setState(start);
            assertEquals(ExitReason.HYPERCALL, second.run(), second.describeExit());
            assertEquals(4095, second.processor().reg(Cpu.RBX));
            assertEquals(4095, m.reg(Cpu.RBX));
            assertTrue(second.retiredInRegions() > 0, "64 runs here and 64 there reach 100: compiled here");
        }
    }
}
