package jvisor.engine.emu.exec;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import jvisor.engine.emu.region.CompiledRegion;

/**
 * The compiled regions of one VM, shared by its processors. A region depends only on the code it
 * was compiled from (it gets the processor as an argument), so a processor that reaches code
 * another has compiled takes that region instead of compiling its own: with two processors
 * running the same kernel, HotSpot compiles each region once. Keyed by where the entry block was
 * decoded (host offset, RIP, mode); an entry is only taken while its page's code epoch is the
 * one it was compiled under and memory still holds the bytes of every block it was planned from
 * (the VMM may rewrite guest code without moving an epoch, as a loader or a test harness does).
 */
public final class SharedRegions {
    private record Key(long host, long rip, int modeKey) { }

    /** A region and the blocks it was planned from, compiled under {@code epoch} of its page. */
    private record Entry(CompiledRegion region, Block[] members, int epoch) { }

    /** Past this many regions the table starts over (most entries then belong to overwritten code). */
    private static final int MAX = 1 << 16;

    private final ConcurrentHashMap<Key, Entry> regions = new ConcurrentHashMap<>();

    /** Publishes the region compiled for {@code entry} to the other processors. */
    void publish(Block entry, CompiledRegion region) {
        if (regions.size() >= MAX) {
            regions.clear();
        }
        Block[] members = entry.members != null ? entry.members : new Block[] {entry};
        regions.put(new Key(entry.host, entry.rip, entry.modeKey), new Entry(region, members, entry.epoch));
    }

    /** Forgets every region. */
    void clear() {
        regions.clear();
    }

    /**
     * Gives {@code b} the region another processor compiled for the same code, if any; returns
     * whether it did. {@code unchanged} says whether a block's bytes are still in memory.
     */
    boolean adopt(Block b, Predicate<Block> unchanged) {
        Entry e = regions.get(new Key(b.host, b.rip, b.modeKey));
        if (e == null || e.epoch() != b.epoch) {
            return false;
        }
        for (Block m : e.members()) {
            if (!unchanged.test(m)) {
                return false;
            }
        }
        b.members = e.members();
        b.region = e.region();
        return true;
    }
}
