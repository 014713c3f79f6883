package jvisor.engine.emu.region;

import java.lang.foreign.MemorySegment;
import java.util.List;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.decode.Insn;

/**
 * What to compile: decoded blocks, the first one the entry, all decoded in 64-bit mode, from one
 * or a few guest pages ({@link CodePage}), each page's blocks under the same code epoch and
 * translation. Branches between them become jumps inside the region (a jump onto another page
 * first checks that page as the dispatcher would); every other branch leaves it.
 *
 * @param blocks    the blocks' instructions, the entry block first
 * @param pageOf    for each block, the index in {@code codePages} of the page it starts on
 * @param secondPageOf for each block, the index in {@code codePages} of the page its last
 *                  instruction runs into, or -1 where the block lies on one page
 * @param codePages the pages, the entry block's first
 * @param pages     the VM's code pages (whose epochs say whether code was rewritten)
 * @param ram       the VM's guest RAM (a region compiled for C2 reads and writes it directly)
 */
public record RegionPlan(List<Insn[]> blocks, List<Integer> pageOf, List<Integer> secondPageOf,
                         List<CodePage> codePages, CodePages pages, MemorySegment ram) {
    /**
     * A page the blocks were decoded from: its linear address, the host page it was mapped to
     * (its number: host offset / 4096) and that page's code epoch when they were.
     */
    public record CodePage(long linear, int host, int epoch) { }

    public RegionPlan {
        if (blocks.isEmpty() || blocks.stream().anyMatch(b -> b.length == 0)) {
            throw new IllegalArgumentException("a region needs blocks with instructions");
        }
        int pageCount = codePages.size();
        if (pageOf.size() != blocks.size() || pageOf.getFirst() != 0
                || pageOf.stream().anyMatch(p -> p < 0 || p >= pageCount)) {
            throw new IllegalArgumentException("every block needs one of the plan's pages, the entry the first");
        }
        if (secondPageOf.size() != blocks.size() || secondPageOf.getFirst() != -1
                || secondPageOf.stream().anyMatch(p -> p < -1 || p >= pageCount)) {
            throw new IllegalArgumentException("a block's second page is none or one of the plan's, the entry's none");
        }
        blocks = List.copyOf(blocks);
        pageOf = List.copyOf(pageOf);
        secondPageOf = List.copyOf(secondPageOf);
        codePages = List.copyOf(codePages);
    }

    public long entryRip() {
        return blocks.getFirst()[0].rip();
    }

    /** The host page of the entry block. */
    public int page() {
        return codePages.getFirst().host();
    }

    /** The code epoch of the entry block's page. */
    public int epoch() {
        return codePages.getFirst().epoch();
    }

    /** The plan with only its first {@code n} blocks. */
    public RegionPlan first(int n) {
        return new RegionPlan(blocks.subList(0, n), pageOf.subList(0, n), secondPageOf.subList(0, n), codePages, pages,
                ram);
    }

    /** The pages block {@code b}'s bytes lie on, as a mask of indexes in {@link #codePages}. */
    public int pagesOf(int b) {
        int second = secondPageOf.get(b);
        return 1 << pageOf.get(b) | (second < 0 ? 0 : 1 << second);
    }

    public int instructions() {
        return blocks.stream().mapToInt(b -> b.length).sum();
    }
}
