package jvisor.engine.emu.exec;

import java.util.concurrent.ConcurrentHashMap;
import jvisor.engine.emu.cpu.CodePages;

/**
 * The decoded 64-bit code of one VM, shared by its processors. Each processor keeps its own
 * {@link Block}s (their run counts, links and translation checks are its own), but a processor
 * that misses in its {@link BlockCache} takes the instructions another processor decoded for the
 * same code instead of decoding them again: with two processors running the same kernel, each
 * instruction is decoded once and the interpreter's decoded instructions take the cache once.
 *
 * <p>Keyed by where a block was decoded (host offset, RIP, mode). An entry is only taken while its
 * pages' code epochs are the ones it was decoded under ({@link CodePages}: a write into decoded
 * code by any processor moves them) and memory still holds its bytes (the taker checks them:
 * a device or the VMM may rewrite code without moving an epoch). Only 64-bit code is shared: its
 * decoding depends on nothing but the bytes and the mode (no CS base or limit).
 */
final class SharedBlocks {
    private record Key(long host, long rip, int modeKey) { }

    /** Past this many blocks the table starts over, as a processor's cache does. */
    private static final int MAX = 1 << 18;

    private final ConcurrentHashMap<Key, Block> decoded = new ConcurrentHashMap<>();

    /**
     * The block some processor decoded at host offset {@code host} for {@code rip} in mode
     * {@code modeKey}, if its code epochs are still current; null if none. Its bytes are for the
     * caller to compare with memory. Only its final fields (the decoded code) may be read.
     */
    Block find(long host, long rip, int modeKey, CodePages pages) {
        Block b = decoded.get(new Key(host, rip, modeKey));
        return b != null && b.valid(pages) ? b : null;
    }

    /** Offers a block this processor just decoded to the others. */
    void offer(Block b) {
        if (decoded.size() >= MAX) {
            decoded.clear();
        }
        decoded.put(new Key(b.host, b.rip, b.modeKey), b);
    }

    /** How many blocks the table holds now: for tests. */
    int size() {
        return decoded.size();
    }
}
