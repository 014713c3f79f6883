package jvisor.engine.emu.fpu;

/**
 * 128-bit unsigned arithmetic on pairs of longs, for the soft-float: shifts that keep a sticky
 * bit, 128-by-64 division and the integer square root. Results wider than one long come back
 * through the fields of an instance, so nothing is allocated.
 */
final class Wide {
    /** The high half of the last 128-bit result. */
    long hi;
    /** The low half of the last 128-bit result. */
    long lo;
    /** The remainder of the last division or square root. */
    long rem;
    /** Bit 64 of a square-root remainder, which can need 65 bits. */
    boolean remCarry;

    /** Shifts {@code h:l} right by {@code n} (any n >= 0), OR-ing the lost bits into bit 0. */
    void shiftRightJam(long h, long l, int n) {
        if (n == 0) {
            hi = h;
            lo = l;
        } else if (n < 64) {
            boolean lost = (l << (64 - n)) != 0;
            lo = (l >>> n) | (h << (64 - n)) | (lost ? 1 : 0);
            hi = h >>> n;
        } else if (n == 64) {
            lo = h | (l != 0 ? 1 : 0);
            hi = 0;
        } else if (n < 128) {
            boolean lost = l != 0 || (h << (128 - n)) != 0;
            lo = (h >>> (n - 64)) | (lost ? 1 : 0);
            hi = 0;
        } else {
            lo = (h | l) != 0 ? 1 : 0;
            hi = 0;
        }
    }

    /**
     * Divides the 128-bit {@code u1:u0} by {@code v}; requires {@code u1 < v} (unsigned) so the
     * quotient fits 64 bits. Returns the quotient; the remainder goes to {@link #rem}.
     */
    long divide(long u1, long u0, long v) {
        int s = Long.numberOfLeadingZeros(v);
        v <<= s;
        long vn1 = v >>> 32;
        long vn0 = v & 0xFFFF_FFFFL;
        long un32 = s == 0 ? u1 : (u1 << s) | (u0 >>> (64 - s));
        long un10 = u0 << s;
        long un1 = un10 >>> 32;
        long un0 = un10 & 0xFFFF_FFFFL;
        long q1 = Long.divideUnsigned(un32, vn1);
        long rhat = un32 - q1 * vn1;
        while (Long.compareUnsigned(q1, 0xFFFF_FFFFL) > 0
                || Long.compareUnsigned(q1 * vn0, (rhat << 32) | un1) > 0) {
            q1--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, 0xFFFF_FFFFL) > 0) {
                break;
            }
        }
        long un21 = (un32 << 32) + un1 - q1 * v;
        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (Long.compareUnsigned(q0, 0xFFFF_FFFFL) > 0
                || Long.compareUnsigned(q0 * vn0, (rhat << 32) | un0) > 0) {
            q0--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, 0xFFFF_FFFFL) > 0) {
                break;
            }
        }
        rem = ((un21 << 32) + un0 - q0 * v) >>> s;
        return (q1 << 32) | q0;
    }

    /**
     * The integer square root of the 128-bit {@code h:l}, digit by digit. The remainder
     * {@code h:l - root^2} (up to 65 bits) goes to {@link #rem} and {@link #remCarry}.
     */
    long sqrt(long h, long l) {
        long root = 0;
        long remHi = 0;
        long remLo = 0;
        for (int i = 0; i < 64; i++) {
            // Bring down the next two bits of the radicand.
            remHi = (remHi << 2) | (remLo >>> 62);
            remLo = (remLo << 2) | (h >>> 62);
            h = (h << 2) | (l >>> 62);
            l <<= 2;
            // Trial subtrahend (root << 2) | 1, up to 66 bits.
            long tLo = (root << 2) | 1;
            long tHi = root >>> 62;
            root <<= 1;
            if (Long.compareUnsigned(remHi, tHi) > 0
                    || (remHi == tHi && Long.compareUnsigned(remLo, tLo) >= 0)) {
                long borrow = Long.compareUnsigned(remLo, tLo) < 0 ? 1 : 0;
                remLo -= tLo;
                remHi = remHi - tHi - borrow;
                root |= 1;
            }
        }
        rem = remLo;
        remCarry = remHi != 0;
        return root;
    }
}
