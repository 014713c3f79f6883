package jvisor.net.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * words. Sums are kept unfolded in a long and folded at the end; the bulk loop reads four bytes at
 * a time in the buffer's order and swaps the folded result back when that order is little-endian,
 * which the ones' complement sum allows (RFC 1071, byte order independence).
 */
public final class Checksum {
    private Checksum() { }

    /** The unfolded sum of {@code length} bytes at {@code offset}, in network order. */
    public static long sum(ByteBuffer b, int offset, int length) {
        long s = 0;
        int i = offset;
        int end = offset + length;
        for (; i + 4 <= end; i += 4) {
            s += b.getInt(i) & 0xFFFF_FFFFL;
        }
        int folded = fold(s);
        if (b.order() == ByteOrder.LITTLE_ENDIAN) {
            folded = Integer.reverseBytes(folded) >>> 16;
        }
        long rest = folded;
        if (i + 2 <= end) {
            rest += Bytes.u16(b, i);
            i += 2;
        }
        if (i < end) {
            rest += (b.get(i) & 0xFF) << 8;
        }
        return rest;
    }

    /** The pseudo-header sum of TCP and UDP over IPv4 (RFC 793, RFC 768). */
    public static long pseudoHeader(int source, int destination, int protocol, int length) {
        return (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) + protocol + length;
    }

    /** Folds a sum to 16 bits, carries added back. */
    public static int fold(long sum) {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int) s;
    }

    /** The value to store in a checksum field: the complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** Whether data that includes its own checksum field sums to all ones, as a good one does. */
    public static boolean verifies(long sum) {
        return fold(sum) == 0xFFFF;
    }
}
