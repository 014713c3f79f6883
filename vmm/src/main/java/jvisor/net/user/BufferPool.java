package jvisor.net.user;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * The direct buffers TCP connections keep their data in, under one budget: however many
 * connections a guest opens, their buffers never take more than {@code budget} bytes. Sizes are
 * powers of two; returned buffers are kept for the next connection (they count against the budget
 * until dropped to make room for another size), so short connections do not churn direct memory.
 */
final class BufferPool {
    private static final int MIN_SHIFT = 12;
    private static final int MAX_SHIFT = 24;

    private final long budget;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[MAX_SHIFT + 1];
    private long allocated;
    private long inUse;

    BufferPool(long budget) {
        this.budget = budget;
        for (int i = MIN_SHIFT; i <= MAX_SHIFT; i++) {
            free[i] = new ArrayDeque<>();
        }
    }

    /**
     * A buffer of {@code preferred} bytes, or a smaller power of two down to {@code minimum} when
     * the budget is short; null if not even that fits.
     */
    ByteBuffer take(int preferred, int minimum) {
        for (int shift = shiftOf(preferred); shift >= shiftOf(minimum); shift--) {
            ByteBuffer b = take(shift);
            if (b != null) {
                return b;
            }
        }
        return null;
    }

    private ByteBuffer take(int shift) {
        int size = 1 << shift;
        ByteBuffer cached = free[shift].pollFirst();
        if (cached != null) {
            inUse += size;
            return cached.clear();
        }
        if (allocated + size > budget) {
            dropCached(allocated + size - budget);
        }
        if (allocated + size > budget) {
            return null;
        }
        allocated += size;
        inUse += size;
        return ByteBuffer.allocateDirect(size).order(ByteOrder.BIG_ENDIAN);
    }

    void give(ByteBuffer b) {
        int shift = Integer.numberOfTrailingZeros(b.capacity());
        inUse -= b.capacity();
        free[shift].addFirst(b);
    }

    /** Bytes handed out and not yet given back. */
    long inUse() {
        return inUse;
    }

    /** Bytes of direct memory the pool holds, in use or cached. */
    long allocated() {
        return allocated;
    }

    private void dropCached(long needed) {
        for (int shift = MIN_SHIFT; shift <= MAX_SHIFT && needed > 0; shift++) {
            while (needed > 0 && !free[shift].isEmpty()) {
                free[shift].pollFirst();
                allocated -= 1L << shift;
                needed -= 1L << shift;
            }
        }
    }

    private static int shiftOf(int bytes) {
        int shift = 32 - Integer.numberOfLeadingZeros(Math.max(bytes, 1) - 1);
        return Math.clamp(shift, MIN_SHIFT, MAX_SHIFT);
    }
}
