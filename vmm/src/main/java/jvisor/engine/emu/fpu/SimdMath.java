package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F64;
import static jvisor.engine.emu.fpu.SoftFloat.PE;

/**
 * One lane of an SSE floating-point operation on raw F32 (low 32 bits) or F64 bits, with the
 * MXCSR semantics configured in the {@link SoftFloat}. The common case (round to nearest, normal
 * operands, normal result) runs on the host's IEEE arithmetic and finds the inexact flag from the
 * exact error term; everything else takes the soft-float path.
 */
public final class SimdMath {
    private SimdMath() { }

    public static final int ADD = 0;
    public static final int SUB = 1;
    public static final int MUL = 2;
    public static final int DIV = 3;
    public static final int MIN = 4;
    public static final int MAX = 5;
    public static final int SQRT = 6;

    private static boolean normal32(int v) {
        int e = (v >>> 23) & 0xFF;
        return e != 0 && e != 0xFF;
    }

    private static boolean normal64(long v) {
        int e = (int) (v >>> 52) & 0x7FF;
        return e != 0 && e != 0x7FF;
    }

    /**
     * A result the fast path may return: normal and above the lowest binade, where a value that
     * only rounded up to the smallest normal was tiny (tininess is detected after rounding with
     * an unbounded exponent) and needs the underflow rules.
     */
    private static boolean safeResult32(int v) {
        int e = (v >>> 23) & 0xFF;
        return e > 1 && e != 0xFF;
    }

    private static boolean safeResult64(long v) {
        int e = (int) (v >>> 52) & 0x7FF;
        return e > 1 && e != 0x7FF;
    }

    /** {@code a op b} for ADD, SUB, MUL, DIV, MIN, MAX; SQRT takes the square root of b. */
    public static long apply(SoftFloat s, int fmt, int op, long a, long b) {
        if (s.rounding == SoftFloat.NEAREST) {
            long r = fmt == F32 ? fast32(s, op, (int) a, (int) b) : fast64(s, op, a, b);
            if (r != NO_FAST) {
                return r;
            }
        }
        return slow(s, fmt, op, a, b);
    }

    /** Marks "the fast path does not apply": a pattern no fast result can have (a NaN). */
    private static final long NO_FAST = 0x7FF8_DEAD_0000_0001L;

    /**
     * Below this magnitude the exact error term of a double product or quotient could itself
     * underflow and read as zero, so smaller values take the soft-float path.
     */
    private static final double SAFE_ERROR_TERM = 0x1p-900;

    private static long fast64(SoftFloat s, int op, long a, long b) {
        if (!normal64(b) || (op != SQRT && !normal64(a))) {
            return NO_FAST;
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double r;
        boolean inexact;
        switch (op) {
            case ADD, SUB -> {
                double yy = op == ADD ? y : -y;
                r = x + yy;
                double bv = r - x;
                inexact = (x - (r - bv)) + (yy - bv) != 0;
            }
            case MUL -> {
                r = x * y;
                if (Math.abs(r) < SAFE_ERROR_TERM) {
                    return NO_FAST;
                }
                inexact = Math.fma(x, y, -r) != 0;
            }
            case DIV -> {
                if (Math.abs(x) < SAFE_ERROR_TERM) {
                    return NO_FAST;
                }
                r = x / y;
                inexact = Math.fma(-r, y, x) != 0;
            }
            case SQRT -> {
                if (y < SAFE_ERROR_TERM) {
                    return NO_FAST;
                }
                r = Math.sqrt(y);
                inexact = Math.fma(-r, r, y) != 0;
            }
            default -> {
                return minMax(op, a, b, x < y, x > y);
            }
        }
        long bits = Double.doubleToRawLongBits(r);
        if (!safeResult64(bits) && (r != 0 || op == MUL || op == DIV)) {
            return NO_FAST;
        }
        if (inexact) {
            s.flags |= PE;
        }
        return bits;
    }

    private static long fast32(SoftFloat s, int op, int a, int b) {
        if (!normal32(b) || (op != SQRT && !normal32(a))) {
            return NO_FAST;
        }
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        float r;
        boolean inexact;
        switch (op) {
            case ADD, SUB -> {
                float yy = op == ADD ? y : -y;
                r = x + yy;
                float bv = r - x;
                inexact = (x - (r - bv)) + (yy - bv) != 0;
            }
            case MUL -> {
                r = x * y;
                inexact = (double) x * y != r;
            }
            case DIV -> {
                r = x / y;
                inexact = (double) r * y != x;
            }
            case SQRT -> {
                if (y < 0) {
                    return NO_FAST;
                }
                r = (float) Math.sqrt(y);
                inexact = (double) r * r != y;
            }
            default -> {
                return minMax(op, a & 0xFFFF_FFFFL, b & 0xFFFF_FFFFL, x < y, x > y);
            }
        }
        int bits = Float.floatToRawIntBits(r);
        if (!safeResult32(bits) && (r != 0 || op == MUL || op == DIV)) {
            return NO_FAST;
        }
        if (inexact) {
            s.flags |= PE;
        }
        return bits & 0xFFFF_FFFFL;
    }

    /** MIN and MAX return the second operand unless the first is strictly smaller (larger). */
    private static long minMax(int op, long a, long b, boolean less, boolean greater) {
        return (op == MIN ? less : greater) ? a : b;
    }

    private static long slow(SoftFloat s, int fmt, int op, long a, long b) {
        switch (op) {
            case SQRT -> {
                s.loadA(fmt, b);
                FloatArith.sqrt(s, fmt);
            }
            case MIN, MAX -> {
                s.loadA(fmt, a);
                s.loadB(fmt, b);
                int order = FloatConvert.compare(s, true);
                boolean first = op == MIN ? order == FloatConvert.LESS : order == FloatConvert.GREATER;
                return first ? flushed(s, fmt, a) : flushed(s, fmt, b);
            }
            default -> {
                s.loadA(fmt, a);
                s.loadB(fmt, b);
                switch (op) {
                    case ADD -> FloatArith.add(s, fmt, false);
                    case SUB -> FloatArith.add(s, fmt, true);
                    case MUL -> FloatArith.multiply(s, fmt);
                    default -> FloatArith.divide(s, fmt);
                }
            }
        }
        return s.bits;
    }

    /** An operand as DAZ sees it: a denormal becomes a zero of the same sign. */
    private static long flushed(SoftFloat s, int fmt, long v) {
        if (!s.daz) {
            return v;
        }
        if (fmt == F32) {
            return ((v >>> 23) & 0xFF) == 0 ? v & 0x8000_0000L : v;
        }
        return ((v >>> 52) & 0x7FF) == 0 ? v & Long.MIN_VALUE : v;
    }

    /** CMPPS/CMPSD predicate 0-7: all ones if it holds, zero if not. */
    public static long compare(SoftFloat s, int fmt, int predicate, long a, long b) {
        s.loadA(fmt, a);
        s.loadB(fmt, b);
        boolean signaling = predicate == 1 || predicate == 2 || predicate == 5 || predicate == 6;
        int order = FloatConvert.compare(s, signaling);
        boolean holds = switch (predicate & 3) {
            case 0 -> order == FloatConvert.EQUAL;
            case 1 -> order == FloatConvert.LESS;
            case 2 -> order == FloatConvert.LESS || order == FloatConvert.EQUAL;
            default -> order == FloatConvert.UNORDERED;
        };
        if (predicate >= 4) {
            holds = !holds;
        }
        if (!holds) {
            return 0;
        }
        return fmt == F32 ? 0xFFFF_FFFFL : -1L;
    }

    /** Converts between F32 and F64 (CVTSS2SD, CVTSD2SS). */
    public static long convert(SoftFloat s, int from, int to, long v) {
        s.loadA(from, v);
        FloatArith.convert(s, to);
        return s.bits;
    }

    /** Converts a signed integer to F32 or F64 (CVTSI2SS, CVTDQ2PS). */
    public static long fromInt(SoftFloat s, int fmt, long v) {
        FloatConvert.fromInt(s, fmt, v);
        return s.bits;
    }

    /** Converts F32 or F64 to a signed integer of {@code width} bits (CVTSS2SI, CVTTPD2DQ). */
    public static long toInt(SoftFloat s, int fmt, long v, int width, boolean truncate) {
        s.loadA(fmt, v);
        return FloatConvert.toInt(s, width, truncate);
    }

    /**
     * RCPSS/RSQRTSS: the hardware gives a 12-bit approximation; this gives the correctly rounded
     * value, which is within the architectural error bound (1.5 * 2^-12). No flags; denormal
     * inputs count as zero and tiny results flush to zero, as on hardware.
     */
    public static int reciprocal(int v, boolean sqrt) {
        boolean sign = v < 0;
        int e = (v >>> 23) & 0xFF;
        int f = v & 0x7F_FFFF;
        if (e == 0xFF) {
            if (f != 0) {
                return v | 0x40_0000;
            }
            return sqrt && sign ? 0xFFC0_0000 : v & 0x8000_0000;
        }
        if (e == 0) {
            return (v & 0x8000_0000) | 0x7F80_0000;
        }
        if (sqrt && sign) {
            return 0xFFC0_0000;
        }
        double x = Float.intBitsToFloat(v);
        float r = (float) (sqrt ? 1 / Math.sqrt(x) : 1 / x);
        int bits = Float.floatToRawIntBits(r);
        return ((bits >>> 23) & 0xFF) == 0 ? bits & 0x8000_0000 : bits;
    }
}
