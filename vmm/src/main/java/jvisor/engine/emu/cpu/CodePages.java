package jvisor.engine.emu.cpu;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which guest RAM holds decoded code, shared by every processor of a VM. Each 4 KiB page has a
 * bitmap of 64-byte chunks that decoded blocks cover, and an epoch that a write into one of those
 * chunks bumps: a block is valid while its page's epoch is the one it was decoded under. Indexed
 * by host page number (the RAM mapping's offset / 4096).
 */
public final class CodePages {
    private final long[] chunks;
    private final int[] epochs;
    /** Bumped when a page first gets code, so processors drop write translations that bypass the check. */
    private volatile int writeEpoch;
    /** Bumped whenever any page's epoch is: while it is unchanged, every block decoded under it is still current. */
    private int generation;
    /**
     * Bumped where RAM may have been rewritten behind the epochs' back: the VMM's loaders and test
     * harnesses write guest memory directly and then load a processor state ({@link #stateLoaded}).
     * Processors and devices' writes all go through {@link #written} or {@link #deviceWrote}.
     */
    private final AtomicInteger untracked = new AtomicInteger();

    public CodePages(long ramBytes) {
        int pages = (int) ((ramBytes + 0xFFF) >>> 12);
        chunks = new long[pages];
        epochs = new int[pages];
    }

    public int epoch(int page) {
        return epochs[page];
    }

    public boolean hasCode(int page) {
        return chunks[page] != 0;
    }

    public int writeEpoch() {
        return writeEpoch;
    }

    /** Changes whenever decoded code anywhere in the VM is overwritten (a page's epoch changes). */
    public int generation() {
        return generation;
    }

    /** Marks host bytes {@code [offset, offset + length)} (within one page) as decoded code. */
    public void markCode(long offset, int length) {
        int page = (int) (offset >>> 12);
        int first = (int) (offset & 0xFFF) >>> 6;
        int last = (int) ((offset + length - 1) & 0xFFF) >>> 6;
        long bits = (-1L >>> (63 - last)) & (-1L << first);
        boolean wasEmpty = chunks[page] == 0;
        chunks[page] |= bits;
        if (wasEmpty) {
            writeEpoch++;
        }
    }

    /**
     * A write to host bytes {@code [offset, offset + length)} (within one page): if it touches
     * decoded code, every block on the page becomes stale. Returns whether it did.
     */
    public boolean written(long offset, int length) {
        int page = (int) (offset >>> 12);
        long have = chunks[page];
        if (have == 0) {
            return false;
        }
        int first = (int) (offset & 0xFFF) >>> 6;
        int last = (int) ((offset + length - 1) & 0xFFF) >>> 6;
        long bits = (-1L >>> (63 - last)) & (-1L << first);
        if ((have & bits) == 0) {
            return false;
        }
        chunks[page] = 0;
        epochs[page]++;
        generation++;
        return true;
    }

    /** Changes whenever RAM may have been written without {@link #written} or {@link #deviceWrote} hearing of it. */
    public int untracked() {
        return untracked.get();
    }

    /**
     * A processor state was loaded from outside (boot, reset, a saved state, a test harness): the
     * VMM may have written guest memory directly before it, so decoded code found again must be
     * compared with memory once more.
     */
    public void stateLoaded() {
        untracked.incrementAndGet();
    }

    public int pages() {
        return chunks.length;
    }

    /** A device wrote host bytes {@code [offset, offset + length)}, which may span pages. */
    public void deviceWrote(long offset, long length) {
        long end = offset + length;
        for (long at = offset; at < end; at = (at | 0xFFF) + 1) {
            int page = (int) (at >>> 12);
            if (page >= chunks.length) {
                return;
            }
            if (chunks[page] != 0) {
                written(at, (int) (Math.min(end, (at | 0xFFF) + 1) - at));
            }
        }
    }
}
