package jvisor.engine.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random floating-point and SIMD states for the differential tests, rich in the values that
 * break implementations: signed zeros, denormals, the smallest and largest normals, infinities,
 * quiet and signaling NaNs, values near one, integer boundaries. x87 and SSE exceptions stay
 * masked (the host would take an unmasked SSE exception as SIGFPE); rounding modes, precision
 * control, DAZ and FTZ vary.
 */
final class FpuStates {
    private FpuStates() { }

    static final int[] SINGLES = {0, 0x8000_0000, 1, 0x8000_0001, 0x007F_FFFF, 0x0080_0000, 0x8080_0000,
        0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0x7FA0_0000,
        0x3F80_0000, 0xBF80_0000, 0x3F7F_FFFF, 0x3F80_0001, 0x4F00_0000, 0xCF00_0000, 0x5F00_0000, 0xDF00_0000,
        0x4EFF_FFFF, 0x3F00_0000, 0x3FC0_0000, 0x4040_0000, 0x0000_0100, 0x0C00_0000};
    static final long[] DOUBLES = {0, Long.MIN_VALUE, 1, 0x8000_0000_0000_0001L, 0x000F_FFFF_FFFF_FFFFL,
        0x0010_0000_0000_0000L, 0x7FEF_FFFF_FFFF_FFFFL, 0xFFEF_FFFF_FFFF_FFFFL, 0x7FF0_0000_0000_0000L,
        0xFFF0_0000_0000_0000L, 0x7FF8_0000_0000_0000L, 0xFFF8_0000_0000_0000L, 0x7FF0_0000_0000_0001L,
        0x7FF4_0000_0000_0000L, 0x3FF0_0000_0000_0000L, 0xBFF0_0000_0000_0000L, 0x3FEF_FFFF_FFFF_FFFFL,
        0x3FF0_0000_0000_0001L, 0x41E0_0000_0000_0000L, 0xC1E0_0000_0000_0000L, 0x43E0_0000_0000_0000L,
        0xC3E0_0000_0000_0000L, 0x41DF_FFFF_FFC0_0000L, 0x3FE0_0000_0000_0000L, 0x3FF8_0000_0000_0000L,
        0x0000_0000_0000_0100L, 0x3800_0000_0000_0000L, 0x47F0_0000_0000_0000L, 0x36A0_0000_0000_0000L};
    static final long[] INTEGERS = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000L,
        0xFFFF_FFFFL, Long.MAX_VALUE, Long.MIN_VALUE, 0x0080_0080_0080_0080L, 0x7F7F_7F7F_7F7F_7F7FL};

    static float randomSingleValue(Random rnd) {
        return Float.intBitsToFloat(single(rnd));
    }

    static int single(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> SINGLES[rnd.nextInt(SINGLES.length)];
            case 2 -> Float.floatToRawIntBits((float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 20)));
            default -> rnd.nextInt();
        };
    }

    static long dbl(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> DOUBLES[rnd.nextInt(DOUBLES.length)];
            case 2 -> Double.doubleToRawLongBits(rnd.nextGaussian() * Math.pow(2, rnd.nextInt(80) - 40));
            default -> rnd.nextLong();
        };
    }

    /** A random 64-bit lane group: two singles, a double, integer boundaries or noise. */
    static long lane(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> (single(rnd) & 0xFFFF_FFFFL) | (long) single(rnd) << 32;
            case 1 -> dbl(rnd);
            case 2 -> INTEGERS[rnd.nextInt(INTEGERS.length)] ^ (rnd.nextBoolean() ? 0 : INTEGERS[rnd.nextInt(
                    INTEGERS.length)] << 32);
            case 3 -> rnd.nextInt(64) | (long) rnd.nextInt(64) << 32;
            default -> rnd.nextLong();
        };
    }

    /** A random 80-bit value as {sign/exponent, significand}. */
    static long[] extended(Random rnd) {
        int k = rnd.nextInt(12);
        return switch (k) {
            case 0 -> new long[] {rnd.nextBoolean() ? 0x8000 : 0, 0};
            case 1 -> new long[] {rnd.nextInt(2) << 15, rnd.nextLong() >>> 1};
            case 2 -> new long[] {(rnd.nextInt(2) << 15) | 0x7FFF, Long.MIN_VALUE};
            case 3 -> new long[] {(rnd.nextInt(2) << 15) | 0x7FFF, Long.MIN_VALUE | (rnd.nextLong() >>> 1) | (1L << 62)};
            case 4 -> new long[] {(rnd.nextInt(2) << 15) | 0x7FFF, Long.MIN_VALUE | (rnd.nextLong() >>> 2)};
            case 5 -> new long[] {(rnd.nextInt(2) << 15) | (0x3FFF + rnd.nextInt(8) - 4), Long.MIN_VALUE | rnd.nextLong()};
            case 6 -> new long[] {(rnd.nextInt(2) << 15) | (1 + rnd.nextInt(3)), Long.MIN_VALUE | rnd.nextLong()};
            case 7 -> new long[] {(rnd.nextInt(2) << 15) | (0x7FFE - rnd.nextInt(3)), Long.MIN_VALUE | rnd.nextLong()};
            case 8 -> new long[] {(rnd.nextInt(2) << 15) | (0x3FFF + 62 - rnd.nextInt(70)),
                Long.MIN_VALUE | (rnd.nextLong() & ~((1L << rnd.nextInt(64)) - 1))};
            default -> {
                double d = rnd.nextGaussian() * Math.pow(2, rnd.nextInt(60) - 30);
                long bits = Double.doubleToRawLongBits(d);
                int e = (int) (bits >>> 52) & 0x7FF;
                long sig = d == 0 ? 0 : Long.MIN_VALUE | ((bits & 0xF_FFFF_FFFF_FFFFL) << 11) | (rnd.nextInt(8) == 0
                        ? rnd.nextInt(2048) : 0);
                yield new long[] {((bits >>> 63) << 15) | (d == 0 ? 0 : e - 1023 + 0x3FFF), sig};
            }
        };
    }

    /** A random FXSAVE64 image with every exception masked. */
    static byte[] image(Random rnd, boolean x87) {
        return image(rnd, x87, 0x3F);
    }

    /**
     * A random FXSAVE64 image with the x87 exception masks {@code x87Masks}; nothing is pending
     * (ES clear) and MXCSR masks every SSE exception.
     */
    static byte[] image(Random rnd, boolean x87, int x87Masks) {
        ByteBuffer b = ByteBuffer.allocate(CpuSnapshot.FPU_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int pc = new int[] {0, 2, 3, 3}[rnd.nextInt(4)];
        b.putShort(0, (short) (x87Masks | (pc << 8) | (rnd.nextInt(4) << 10) | 0x40));
        if (x87) {
            int conditions = (rnd.nextInt(8) << 8) | (rnd.nextBoolean() ? 0x4000 : 0);
            // Only masked exceptions may be flagged: an unmasked one would be pending (#MF on the host).
            b.putShort(2, (short) ((rnd.nextInt(8) << 11) | conditions | (rnd.nextInt(0x40) & x87Masks)));
            b.put(4, (byte) (rnd.nextInt(3) == 0 ? 0xFF : rnd.nextInt(256)));
        } else {
            b.putShort(2, (short) 0);
            b.put(4, (byte) 0);
        }
        int mxcsr = 0x1F80 | (rnd.nextInt(4) << 13) | (rnd.nextInt(4) == 0 ? 0x40 : 0) | (rnd.nextInt(4) == 0
                ? 0x8000 : 0) | (rnd.nextBoolean() ? rnd.nextInt(0x40) : 0);
        b.putInt(24, mxcsr);
        for (int i = 0; i < 8; i++) {
            long[] v = x87 && rnd.nextInt(3) != 0 ? extended(rnd) : new long[] {rnd.nextInt(0x10000), lane(rnd)};
            b.putLong(32 + 16 * i, v[1]);
            b.putShort(40 + 16 * i, (short) v[0]);
        }
        for (int i = 0; i < 16; i++) {
            b.putLong(160 + 16 * i, lane(rnd));
            b.putLong(168 + 16 * i, lane(rnd));
        }
        return b.array();
    }

    /** A data area of random bytes with floating-point special values spread through it. */
    static byte[] memory(Random rnd, int size) {
        byte[] m = new byte[size];
        rnd.nextBytes(m);
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 16 <= size; at += 8) {
            switch (rnd.nextInt(4)) {
                case 0 -> b.putLong(at, lane(rnd));
                case 1 -> {
                    long[] v = extended(rnd);
                    b.putLong(at, v[1]);
                    b.putShort(at + 8, (short) v[0]);
                }
                default -> { }
            }
        }
        return m;
    }
}
