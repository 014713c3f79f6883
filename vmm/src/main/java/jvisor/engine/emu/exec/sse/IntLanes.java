package jvisor.engine.emu.exec.sse;

/**
 * The packed-integer arithmetic of MMX and SSE2 on one 64-bit lane group: bytes, words,
 * doublewords or the quadword inside a long. Wrapping adds and subtracts and equality compares
 * work on all lanes at once (carries kept inside each lane by masking the top bits); the rest
 * loop over the lanes.
 */
final class IntLanes {
    private IntLanes() { }

    static final long H8 = 0x8080_8080_8080_8080L;
    static final long H16 = 0x8000_8000_8000_8000L;
    static final long H32 = 0x8000_0000_8000_0000L;

    static long add(long a, long b, long h) {
        return ((a & ~h) + (b & ~h)) ^ ((a ^ b) & h);
    }

    static long sub(long a, long b, long h) {
        return ((a | h) - (b & ~h)) ^ ((a ^ ~b) & h);
    }

    /** All ones in each lane of {@code bits} bits where the lanes of a and b are equal. */
    static long equal(long a, long b, long h, long ones) {
        long x = a ^ b;
        long low = ~h;
        long nonzeroLow = (x & low) + low;
        long zero = ~(nonzeroLow | x | low);
        return (zero >>> (Long.numberOfTrailingZeros(h))) * ones;
    }

    static long lane(long v, int i, int bits) {
        return (v >>> (i * bits)) & ((1L << bits) - 1);
    }

    static long signedLane(long v, int i, int bits) {
        return (v << (64 - (i + 1) * bits)) >> (64 - bits);
    }

    private static long saturate(long v, long min, long max) {
        return v < min ? min : v > max ? max : v;
    }

    /** Adds (or subtracts) lanes of {@code bits} bits with signed or unsigned saturation. */
    static long saturating(long a, long b, int bits, boolean signed, boolean subtract) {
        long r = 0;
        long mask = (1L << bits) - 1;
        long min = signed ? -(1L << (bits - 1)) : 0;
        long max = signed ? (1L << (bits - 1)) - 1 : mask;
        for (int i = 0; i < 64 / bits; i++) {
            long x = signed ? signedLane(a, i, bits) : lane(a, i, bits);
            long y = signed ? signedLane(b, i, bits) : lane(b, i, bits);
            long v = saturate(subtract ? x - y : x + y, min, max);
            r |= (v & mask) << (i * bits);
        }
        return r;
    }

    /** PCMPGT: signed greater-than per lane. */
    static long greater(long a, long b, int bits) {
        long r = 0;
        long mask = (1L << bits) - 1;
        for (int i = 0; i < 64 / bits; i++) {
            if (signedLane(a, i, bits) > signedLane(b, i, bits)) {
                r |= mask << (i * bits);
            }
        }
        return r;
    }

    /** PMINUB, PMAXUB, PMINSW, PMAXSW. */
    static long minMax(long a, long b, int bits, boolean signed, boolean max) {
        long r = 0;
        long mask = (1L << bits) - 1;
        for (int i = 0; i < 64 / bits; i++) {
            long x = signed ? signedLane(a, i, bits) : lane(a, i, bits);
            long y = signed ? signedLane(b, i, bits) : lane(b, i, bits);
            long v = (x > y) == max ? x : y;
            r |= (v & mask) << (i * bits);
        }
        return r;
    }

    /** PMULLW, PMULHW, PMULHUW. */
    static long multiplyWords(long a, long b, boolean high, boolean signed) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            long x = signed ? signedLane(a, i, 16) : lane(a, i, 16);
            long y = signed ? signedLane(b, i, 16) : lane(b, i, 16);
            long p = x * y;
            r |= ((high ? p >> 16 : p) & 0xFFFF) << (i * 16);
        }
        return r;
    }

    static long pmuludq(long a, long b) {
        return (a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL);
    }

    static long pmaddwd(long a, long b) {
        long lo = signedLane(a, 0, 16) * signedLane(b, 0, 16) + signedLane(a, 1, 16) * signedLane(b, 1, 16);
        long hi = signedLane(a, 2, 16) * signedLane(b, 2, 16) + signedLane(a, 3, 16) * signedLane(b, 3, 16);
        return (lo & 0xFFFF_FFFFL) | (hi << 32);
    }

    static long psadbw(long a, long b) {
        long sum = 0;
        for (int i = 0; i < 8; i++) {
            sum += Math.abs(lane(a, i, 8) - lane(b, i, 8));
        }
        return sum;
    }

    /** PAVGB/PAVGW: the rounded-up unsigned average, lane by lane. */
    static long average(long a, long b, long h) {
        return (a | b) - (((a ^ b) >>> 1) & ~h);
    }

    /** PMOVMSKB: the top bit of each byte, packed into 8 bits. */
    static int byteSigns(long v) {
        return (int) (((v & H8) * 0x0002_0408_1020_4081L) >>> 56);
    }

    /** PACKSSWB/PACKUSWB/PACKSSDW: the lanes of x then of y, narrowed to half width with saturation. */
    static long pack(long x, long y, int bits, boolean signed) {
        int half = bits / 2;
        long max = signed ? (1L << (half - 1)) - 1 : (1L << half) - 1;
        long min = signed ? -(1L << (half - 1)) : 0;
        long mask = (1L << half) - 1;
        int n = 64 / bits;
        long r = 0;
        for (int i = 0; i < n; i++) {
            r |= (saturate(signedLane(x, i, bits), min, max) & mask) << (i * half);
            r |= (saturate(signedLane(y, i, bits), min, max) & mask) << ((i + n) * half);
        }
        return r;
    }

    /** PUNPCKL*: interleaves the lanes of the low 32 bits of x and y: x0 y0 x1 y1 ... */
    static long interleave(long x, long y, int bits) {
        long r = 0;
        long mask = (1L << bits) - 1;
        for (int i = 0; i < 32 / bits; i++) {
            r |= ((x >>> (i * bits)) & mask) << (2 * i * bits);
            r |= ((y >>> (i * bits)) & mask) << ((2 * i + 1) * bits);
        }
        return r;
    }

    /** PSLL/PSRL/PSRA by {@code count} (unsigned; counts past the lane width clear or fill). */
    static long shift(long v, long count, int bits, int kind) {
        if (Long.compareUnsigned(count, bits - 1) > 0) {
            if (kind != SRA) {
                return 0;
            }
            count = bits - 1;
        }
        if (bits == 64) {
            return switch (kind) {
                case SLL -> v << count;
                case SRL -> v >>> count;
                default -> v >> count;
            };
        }
        int n = (int) count;
        long mask = (1L << bits) - 1;
        long r = 0;
        for (int i = 0; i < 64 / bits; i++) {
            long x = switch (kind) {
                case SLL -> lane(v, i, bits) << n;
                case SRL -> lane(v, i, bits) >>> n;
                default -> signedLane(v, i, bits) >> n;
            };
            r |= (x & mask) << (i * bits);
        }
        return r;
    }

    static final int SLL = 0;
    static final int SRL = 1;
    static final int SRA = 2;
}
