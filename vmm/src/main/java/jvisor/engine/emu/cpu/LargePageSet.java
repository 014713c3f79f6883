package jvisor.engine.emu.cpu;

import java.util.Arrays;

/**
 * The large pages (2 MiB, 4 MiB, 1 GiB) whose 4 KiB granules the TLB may hold, by first linear
 * address and size: INVLPG must drop every granule of the large page its address falls in, and
 * with this set it needs to do that only when there is such a page. An open-addressing hash set
 * (linear probing, deleted keys leave a marker that a later key may take); past three quarters
 * full it gives up and says so ({@link #overflowed()}), and the caller falls back to assuming any
 * address may be in a large page, until the TLB is flushed whole and the set cleared.
 */
final class LargePageSet {
    private static final int SLOTS = 1024;
    private static final int LIMIT = SLOTS * 3 / 4;
    private static final long EMPTY = 0;
    /** A deleted key; never a key, whose low bits hold a log2 size of 21 or more. */
    private static final long DELETED = 1;

    /** Each key is the page's first address with log2 of its size in the low bits (never 0). */
    private final long[] keys = new long[SLOTS];
    /** Slots not empty: keys and deletion markers. */
    private int used;
    private boolean overflowed;
    /** Bit s set: pages of 2^s bytes are in the set. */
    private int shifts;

    void clear() {
        if (used != 0 || overflowed) {
            Arrays.fill(keys, EMPTY);
        }
        used = 0;
        overflowed = false;
        shifts = 0;
    }

    boolean overflowed() {
        return overflowed;
    }

    /** The sizes present, as a mask of log2 sizes. */
    int shifts() {
        return shifts;
    }

    void add(long base, int shift) {
        if (overflowed) {
            return;
        }
        long key = base | shift;
        int free = -1;
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return;
            }
            if (keys[i] == DELETED && free < 0) {
                free = i;
            }
            i = (i + 1) & (SLOTS - 1);
        }
        if (free < 0) {
            if (used == LIMIT) {
                overflowed = true;
                return;
            }
            free = i;
            used++;
        }
        keys[free] = key;
        shifts |= 1 << shift;
    }

    /** Removes the page of 2^{@code shift} bytes at {@code base}; whether it was there. */
    boolean remove(long base, int shift) {
        long key = base | shift;
        for (int i = slot(key); keys[i] != EMPTY; i = (i + 1) & (SLOTS - 1)) {
            if (keys[i] == key) {
                keys[i] = DELETED;
                return true;
            }
        }
        return false;
    }

    private static int slot(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 54) & (SLOTS - 1);
    }
}
