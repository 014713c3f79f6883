package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.region.CompiledRegion;
import org.junit.jupiter.api.Test;

/** Processors of one VM take each other's regions for the same code, and only while it is unchanged. */
class SharedRegionsTest {
    private static final long HOST = 0x5000 + 0x123;

    private static Block block(CodePages pages, long rip, int modeKey) {
        return new Block(new Insn[0], rip, 0, modeKey, HOST, pages, -1, -1, new byte[0]);
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
}
