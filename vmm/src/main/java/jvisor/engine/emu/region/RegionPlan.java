package jvisor.engine.emu.region;

import java.lang.foreign.MemorySegment;
import java.util.List;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.decode.Insn;

/**
 * What to compile: decoded blocks of one guest page, the first one the entry, all decoded in
 * 64-bit mode under the same code epoch of that page. Branches between them become jumps inside
 * the region; every other branch leaves it.
 *
 * @param blocks the blocks' instructions, the entry block first
 * @param pages  the VM's code pages (a branch back checks the page's epoch)
 * @param page   the host page the blocks were decoded from
 * @param epoch  its code epoch when they were
 * @param ram    the VM's guest RAM (a region compiled for C2 reads and writes it directly)
 */
public record RegionPlan(List<Insn[]> blocks, CodePages pages, int page, int epoch, MemorySegment ram) {
    public RegionPlan {
        if (blocks.isEmpty() || blocks.stream().anyMatch(b -> b.length == 0)) {
            throw new IllegalArgumentException("a region needs blocks with instructions");
        }
        blocks = List.copyOf(blocks);
    }

    public long entryRip() {
        return blocks.getFirst()[0].rip();
    }

    /** The plan with only its first {@code n} blocks. */
    public RegionPlan first(int n) {
        return new RegionPlan(blocks.subList(0, n), pages, page, epoch, ram);
    }

    public int instructions() {
        return blocks.stream().mapToInt(b -> b.length).sum();
    }
}
