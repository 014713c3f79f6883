package jvisor.net.user;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * The direct buffers TCP connections keep their data in, under one budget: however many
 * connections a guest opens, their buffers never take more than {@code budget} bytes. Every
 * buffer the stack may need (two per connection, up to the connection limit) is guaranteed the
 * {@link #MIN} size; what is left is shared out so that the first connections cannot take it all
 * (each large buffer gets at most an eighth of what is free). Sizes are powers of two; returned
 * buffers are kept for the next connection, so short connections do not churn direct memory.
 */
final class BufferPool {
    /** The smallest buffer: a window of a few segments. */
    static final int MIN = 16 << 10;
    private static final int MIN_SHIFT = 14;
    private static final int MAX_SHIFT = 24;

    private final long budget;
    private final int maxBuffers;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[MAX_SHIFT + 1];
    private long allocated;
    private long inUse;
    private int buffersInUse;

    /** {@code maxBuffers} is how many buffers can be in use at once; the budget must cover them at {@link #MIN}. */
    BufferPool(long budget, int maxBuffers) {
        if (budget < (long) maxBuffers * MIN) {
            throw new IllegalArgumentException("a budget of " + budget + " bytes cannot give " + maxBuffers + " buffers " + MIN + " bytes each");
        }
        this.budget = budget;
        this.maxBuffers = maxBuffers;
        for (int i = MIN_SHIFT; i <= MAX_SHIFT; i++) {
            free[i] = new ArrayDeque<>();
        }
    }

    /** A buffer of up to {@code preferred} bytes (a power of two), at least {@link #MIN}; null only past {@code maxBuffers}. */
    ByteBuffer take(int preferred) {
        if (buffersInUse >= maxBuffers) {
            return null;
        }
        long reserve = (long) MIN * (maxBuffers - buffersInUse - 1);
        long spare = budget - reserve - inUse;
        for (int shift = shiftOf(preferred); shift > MIN_SHIFT; shift--) {
            if ((1L << shift) <= spare / 8) {
                return takeSize(shift);
            }
        }
        return takeSize(MIN_SHIFT);
    }

    private ByteBuffer takeSize(int shift) {
        int size = 1 << shift;
        buffersInUse++;
        inUse += size;
        ByteBuffer cached = free[shift].pollFirst();
        if (cached != null) {
            return cached.clear();
        }
        if (allocated + size > budget) {
            dropCached(allocated + size - budget);
        }
        allocated += size;
        return ByteBuffer.allocateDirect(size).order(ByteOrder.BIG_ENDIAN);
    }

    void give(ByteBuffer b) {
        int shift = Integer.numberOfTrailingZeros(b.capacity());
        buffersInUse--;
        inUse -= b.capacity();
        free[shift].addFirst(b);
    }

    /** Bytes handed out and not yet given back. */
    long inUse() {
        return inUse;
    }

    /** Bytes of direct memory the pool holds, in use or cached; never above the budget. */
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
        for (int shift = MAX_SHIFT; shift >= MIN_SHIFT && needed > 0; shift--) {
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
