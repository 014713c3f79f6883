package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.DE;
import static jvisor.engine.emu.fpu.SoftFloat.IE;
import static jvisor.engine.emu.fpu.SoftFloat.PE;

/**
 * Conversions between floating point and integers, rounding to an integral value, and
 * comparison, on the operands loaded into a {@link SoftFloat}.
 */
public final class FloatConvert {
    private FloatConvert() { }

    public static final int LESS = 0;
    public static final int EQUAL = 1;
    public static final int GREATER = 2;
    public static final int UNORDERED = 3;

    /**
     * Converts a to a signed integer of {@code width} bits (16, 32 or 64), rounding by the current
     * mode or truncating. NaN, infinity and out-of-range values raise IE and give the integer
     * indefinite (only the sign bit set). The result is masked to {@code width} bits.
     */
    public static long toInt(SoftFloat s, int width, boolean truncate) {
        Unpacked x = s.a;
        long indefinite = 1L << (width - 1);
        s.roundedUp = false;
        if (x.cls == Unpacked.NAN || x.cls == Unpacked.INF || x.cls == Unpacked.UNSUPPORTED) {
            s.flags |= IE;
            return indefinite;
        }
        if (x.cls == Unpacked.ZERO) {
            return 0;
        }
        if (x.exp >= 64) {
            s.flags |= IE;
            return indefinite;
        }
        int mode = truncate ? SoftFloat.TO_ZERO : s.rounding;
        long intPart = integerPart(s, x);
        long frac = fraction(s, x);
        boolean sticky = s.w.lo != 0;
        boolean up = roundsUp(mode, x.sign, intPart, frac, sticky);
        boolean inexact = frac != 0 || sticky;
        if (up) {
            intPart++;
        }
        long limit = x.sign ? indefinite : indefinite - 1;
        if ((up && intPart == 0) || Long.compareUnsigned(intPart, limit) > 0) {
            s.flags |= IE;
            return indefinite;
        }
        if (inexact) {
            s.flags |= PE;
            s.roundedUp = up;
        }
        long v = x.sign ? -intPart : intPart;
        return width == 64 ? v : v & ((1L << width) - 1);
    }

    /** The integer bits of finite x (exp < 64). */
    private static long integerPart(SoftFloat s, Unpacked x) {
        if (x.exp < 0) {
            return 0;
        }
        return x.exp == 63 ? x.sig : x.sig >>> (63 - x.exp);
    }

    /** The fraction bits of finite x, left-aligned; bits beyond 64 leave a sticky bit in {@code s.w.lo}. */
    private static long fraction(SoftFloat s, Unpacked x) {
        s.w.lo = 0;
        if (x.exp >= 63) {
            return 0;
        }
        if (x.exp >= 0) {
            return x.sig << (x.exp + 1);
        }
        if (x.exp == -1) {
            return x.sig;
        }
        s.w.shiftRightJam(x.sig, 0, -1 - x.exp);
        long f = s.w.hi;
        s.w.lo = s.w.lo != 0 ? 1 : 0;
        return f;
    }

    private static boolean roundsUp(int mode, boolean sign, long intPart, long frac, boolean sticky) {
        boolean inexact = frac != 0 || sticky;
        return switch (mode) {
            case SoftFloat.NEAREST -> frac < 0 && ((frac << 1) != 0 || sticky || (intPart & 1) != 0);
            case SoftFloat.DOWN -> sign && inexact;
            case SoftFloat.UP -> !sign && inexact;
            default -> false;
        };
    }

    /** Converts the signed 64-bit {@code v} to {@code fmt}, rounding by the current mode. */
    public static void fromInt(SoftFloat s, int fmt, long v) {
        if (v == 0) {
            s.zero(fmt, false);
            s.roundedUp = false;
            return;
        }
        boolean sign = v < 0;
        s.roundPack(fmt, sign, 63, sign ? -v : v, 0);
    }

    /**
     * Rounds a to an integral value in {@code fmt} with rounding {@code mode} (FRNDINT, ROUNDSS);
     * {@code inexactFlag} says whether an inexact result raises PE.
     */
    public static void roundToIntegral(SoftFloat s, int fmt, int mode, boolean inexactFlag) {
        Unpacked x = s.a;
        if (x.cls == Unpacked.UNSUPPORTED) {
            s.invalid(fmt);
            return;
        }
        if (x.isNan()) {
            s.propagateNan(fmt, x, null);
            return;
        }
        s.roundedUp = false;
        if (x.cls == Unpacked.ZERO) {
            s.zero(fmt, x.sign);
            return;
        }
        if (x.cls == Unpacked.INF) {
            s.infinity(fmt, x.sign);
            return;
        }
        if (x.denormal) {
            s.flags |= DE;
        }
        int saved = s.precision;
        s.precision = 64;
        if (x.exp >= 63) {
            s.roundPack(fmt, x);
            s.precision = saved;
            return;
        }
        long intPart = integerPart(s, x);
        long frac = fraction(s, x);
        boolean sticky = s.w.lo != 0;
        boolean up = roundsUp(mode, x.sign, intPart, frac, sticky);
        if (up) {
            intPart++;
        }
        if (intPart == 0) {
            s.zero(fmt, x.sign);
        } else {
            s.roundPack(fmt, x.sign, 63, intPart, 0);
        }
        s.precision = saved;
        if (frac != 0 || sticky) {
            if (inexactFlag) {
                s.flags |= PE;
            }
            s.roundedUp = up;
        } else {
            s.roundedUp = false;
        }
    }

    /**
     * Compares a with b. A NaN makes the result unordered and raises IE if it is signaling, or
     * for any NaN when {@code signaling} (COMISS, FCOM); denormals raise DE.
     */
    public static int compare(SoftFloat s, boolean signaling) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (x.cls == Unpacked.UNSUPPORTED || y.cls == Unpacked.UNSUPPORTED) {
            s.flags |= IE;
            return UNORDERED;
        }
        if (x.isNan() || y.isNan()) {
            FloatArith.nanInvalid(s, x, signaling);
            FloatArith.nanInvalid(s, y, signaling);
            return UNORDERED;
        }
        if (x.denormal || y.denormal) {
            s.flags |= DE;
        }
        int mx = magnitudeOrder(x, y);
        if (x.cls == Unpacked.ZERO && y.cls == Unpacked.ZERO) {
            return EQUAL;
        }
        if (x.sign != y.sign) {
            return x.sign ? LESS : GREATER;
        }
        if (mx == 0) {
            return EQUAL;
        }
        return (mx > 0) != x.sign ? GREATER : LESS;
    }

    /** Compares |x| with |y| for non-NaN operands: negative, zero or positive. */
    private static int magnitudeOrder(Unpacked x, Unpacked y) {
        int cx = x.cls == Unpacked.FINITE ? 1 : x.cls == Unpacked.INF ? 2 : 0;
        int cy = y.cls == Unpacked.FINITE ? 1 : y.cls == Unpacked.INF ? 2 : 0;
        if (cx != cy || cx != 1) {
            return Integer.compare(cx, cy);
        }
        if (x.exp != y.exp) {
            return Integer.compare(x.exp, y.exp);
        }
        return Long.compareUnsigned(x.sig, y.sig);
    }
}
