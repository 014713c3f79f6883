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
 *
 * <p>It also counts, for code not compiled yet, the interpreted runs of all processors together
 * ({@link #warmed}): each processor keeps its own blocks and their run counts, so without it code
 * that two processors share reached the compile threshold on each only after twice the runs, and
 * a 2-processor Linux boot interpreted a third more instructions while warming up (167 against
 * 125 million).
 */
public final class SharedRegions {
    private record Key(long host, long rip, int modeKey) { }

    /** A region and the blocks it was planned from, compiled under {@code epoch} of its page. */
    private record Entry(CompiledRegion region, Block[] members, int epoch) { }

    /** Past this many regions the table starts over (most entries then belong to overwritten code). */
    private static final int MAX = 1 << 16;

    private final ConcurrentHashMap<Key, Entry> regions = new ConcurrentHashMap<>();

    /**
     * Interpreted runs of one entry's code under {@code epoch} of its page by all processors, and
     * which processor (if any) saw them reach the threshold and compiles the region.
     */
    private static final class Heat {
        final int epoch;
        int runs;
        int compiler = -1;

        Heat(int epoch) {
            this.epoch = epoch;
        }
    }

    private final ConcurrentHashMap<Key, Heat> heat = new ConcurrentHashMap<>();

    /** Publishes the region compiled for {@code entry} to the other processors. */
    void publish(Block entry, CompiledRegion region) {
        if (regions.size() >= MAX) {
            regions.clear();
        }
        Block[] members = entry.members != null ? entry.members : new Block[] {entry};
        Key key = new Key(entry.host, entry.rip, entry.modeKey);
        regions.put(key, new Entry(region, members, entry.epoch));
        heat.remove(key);
    }

    /** Forgets every region and every count of runs. */
    void clear() {
        regions.clear();
        heat.clear();
    }

    /**
     * Forgets the runs counted for {@code b}'s code: its region was dropped before it was compiled
     * (its code had stopped running), so every processor starts counting again from none, as
     * {@code b}'s own count does.
     */
    void cooled(Block b) {
        heat.remove(new Key(b.host, b.rip, b.modeKey));
    }

    /**
     * Adds {@code runs} interpreted runs of {@code b} by processor {@code cpu} to those of every
     * processor for the same code (host offset, RIP, mode) under the block's code epoch; returns
     * whether they have reached {@code threshold} and {@code cpu} is to compile the region: the
     * first processor to see them there, alone, so the others adopt its region instead of
     * compiling their own.
     */
    boolean warmed(Block b, int runs, int threshold, int cpu) {
        if (heat.size() >= MAX) {
            heat.clear();
        }
        Heat h = heat.compute(new Key(b.host, b.rip, b.modeKey), (k, old) -> {
            Heat now = old == null || old.epoch != b.epoch ? new Heat(b.epoch) : old;
            now.runs += runs;
            if (now.compiler < 0 && now.runs >= threshold) {
                now.compiler = cpu;
            }
            return now;
        });
        return h.compiler == cpu;
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
