package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.DE;
import static jvisor.engine.emu.fpu.SoftFloat.F80;
import static jvisor.engine.emu.fpu.SoftFloat.ZE;

/**
 * The x87 transcendental instructions on the operands in a {@link SoftFloat}: sine, cosine and
 * tangent (argument reduction by the 66-bit pi the hardware uses, so results for large arguments
 * match real processors, then series in double-double), 2^x - 1, y * log2(x), y * log2(x + 1)
 * and the arctangent. Results are rounded once to 64 bits by the control word's rounding.
 */
public final class Transcendental {
    private Transcendental() { }

    // ---- sine, cosine, tangent ----------------------------------------------------------------

    public static final int SIN = 0;
    public static final int COS = 1;
    public static final int TAN = 2;

    /**
     * FSIN/FCOS/FPTAN (and FSINCOS, which asks twice) of {@code a}: NaNs propagate, infinities
     * are invalid. Returns false if |x| >= 2^63: the instruction then sets C2 and changes nothing.
     */
    public static boolean trig(SoftFloat s, int which) {
        Unpacked x = s.a;
        if (x.cls == Unpacked.FINITE && x.exp >= 63) {
            return false;
        }
        if (special(s, x, null)) {
            return true;
        }
        if (x.cls == Unpacked.INF) {
            s.invalid(F80);
            return true;
        }
        if (x.cls == Unpacked.ZERO) {
            if (which == COS) {
                s.roundPack(F80, false, 0, 1L << 63, 0);
            } else {
                s.zero(F80, x.sign);
            }
            return true;
        }
        if (x.exp < -40) {
            tiny(s, x, which);
            return true;
        }
        DoubleDouble d = s.dd;
        int q = DdKernels.reduce(d, x);
        double rh = d.h;
        double rl = d.l;
        if (which == TAN) {
            DdKernels.sinCosKernel(d, rh, rl, false);
            double sh = d.h;
            double sl = d.l;
            DdKernels.sinCosKernel(d, rh, rl, true);
            if ((q & 1) == 0) {
                d.div(sh, sl, d.h, d.l);
            } else {
                d.div(-d.h, -d.l, sh, sl);
            }
        } else {
            boolean cosine = (which == COS) != ((q & 1) != 0);
            DdKernels.sinCosKernel(d, rh, rl, cosine);
            int negateQuadrants = which == COS ? 0b0110 : 0b1100;
            if (((negateQuadrants >>> q) & 1) != 0) {
                d.set(-d.h, -d.l);
            }
        }
        DdKernels.round(s, d.h, d.l, 0);
        return true;
    }

    /** Arguments so small that sin x and tan x round like x just below or above it, cos x like 1 - tiny. */
    private static void tiny(SoftFloat s, Unpacked x, int which) {
        switch (which) {
            case SIN -> s.roundPack(F80, x.sign, x.exp, x.sig - 1, -1L);
            case TAN -> s.roundPack(F80, x.sign, x.exp, x.sig, 1);
            default -> s.roundPack(F80, false, -1, -1L, -1L);
        }
    }

    // ---- 2^x - 1 --------------------------------------------------------------------------------

    private static final long LN2_128_HIGH = 0xB172_17F7_D1CF_79ABL;
    private static final long LN2_128_LOW = 0xC9E3_B398_03F2_F6AFL;

    /** F2XM1: 2^a - 1, defined for -1 <= a <= 1. */
    public static void twoPowerMinusOne(SoftFloat s) {
        Unpacked x = s.a;
        if (special(s, x, null)) {
            return;
        }
        switch (x.cls) {
            case Unpacked.ZERO -> s.zero(F80, x.sign);
            case Unpacked.INF -> {
                if (x.sign) {
                    s.roundPack(F80, true, 0, 1L << 63, 0);
                } else {
                    s.infinity(F80, false);
                }
            }
            default -> {
                if (x.exp == 0 && x.sig == 1L << 63) {
                    s.roundPack(F80, x.sign, x.sign ? -1 : 0, 1L << 63, 0);
                } else if (x.exp < -130) {
                    long hi = Math.unsignedMultiplyHigh(x.sig, LN2_128_HIGH);
                    long lo = x.sig * LN2_128_HIGH;
                    long carry = Math.unsignedMultiplyHigh(x.sig, LN2_128_LOW);
                    long sum = lo + carry;
                    hi += Long.compareUnsigned(sum, lo) < 0 ? 1 : 0;
                    s.roundPack(F80, x.sign, x.exp, hi, sum | 1);
                } else {
                    DoubleDouble d = s.dd;
                    DdKernels.toDd(d, x);
                    d.mul(d.h, d.l, DdKernels.LN2_H, DdKernels.LN2_L);
                    DdKernels.expm1Kernel(d, d.h, d.l);
                    DdKernels.round(s, d.h, d.l, 0);
                }
            }
        }
    }

    /** Invalid encodings and NaNs, and the denormal flag: returns true if the result is decided. */
    private static boolean special(SoftFloat s, Unpacked x, Unpacked y) {
        if (nanOrUnsupported(s, x, y)) {
            return true;
        }
        if (x.denormal || (y != null && y.denormal)) {
            s.flags |= DE;
        }
        return false;
    }

    private static boolean nanOrUnsupported(SoftFloat s, Unpacked x, Unpacked y) {
        if (x.cls == Unpacked.UNSUPPORTED || (y != null && y.cls == Unpacked.UNSUPPORTED)) {
            s.invalid(F80);
            return true;
        }
        if (x.isNan() || (y != null && y.isNan())) {
            s.propagateNan(F80, x, y);
            return true;
        }
        return false;
    }

    // ---- logarithms -----------------------------------------------------------------------------

    /** sqrt(2) as a 64-bit significand: above it a significand is halved before the logarithm. */
    private static final long SQRT2_SIG = 0xB504_F333_F9DE_6484L;

    /** FYL2X (b * log2(a)) and FYL2XP1 (b * log2(a + 1)). */
    public static void yLog2(SoftFloat s, boolean plusOne) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (nanOrUnsupported(s, x, y)) {
            return;
        }
        if (!plusOne && x.sign && x.cls != Unpacked.ZERO) {
            s.invalid(F80);
            return;
        }
        if (x.denormal || y.denormal) {
            s.flags |= DE;
        }
        if (plusOne ? log2p1Special(s, x, y) : log2Special(s, x, y)) {
            return;
        }
        DoubleDouble d = s.dd;
        int scale = y.exp;
        if (plusOne) {
            if (x.exp < -200) {
                scale += x.exp;
                d.set(Math.scalb((double) (x.sig >>> 11), -52), Math.scalb((double) (x.sig & 0x7FF), -63));
                if (x.sign) {
                    d.set(-d.h, -d.l);
                }
                d.mul(d.h, d.l, DdKernels.LOG2E_H, DdKernels.LOG2E_L);
            } else {
                DdKernels.toDd(d, x);
                DdKernels.lnKernel(d, d.h, d.l);
                d.mul(d.h, d.l, DdKernels.LOG2E_H, DdKernels.LOG2E_L);
            }
        } else {
            boolean halve = Long.compareUnsigned(x.sig, SQRT2_SIG) > 0;
            int e = x.exp + (halve ? 1 : 0);
            if (halve) {
                // m = sig / 2^64, so m - 1 = -(2^64 - sig) / 2^64.
                DdKernels.toDdInteger(d, 0, -x.sig, -64, true);
            } else {
                DdKernels.toDdInteger(d, 0, x.sig - (1L << 63), -63, false);
            }
            double mh = d.h;
            double ml = d.l;
            DdKernels.lnKernel(d, mh, ml);
            d.mul(d.h, d.l, DdKernels.LOG2E_H, DdKernels.LOG2E_L);
            d.add(d.h, d.l, e, 0);
        }
        double lh = d.h;
        double ll = d.l;
        d.set(Math.scalb((double) (y.sig >>> 11), -52), Math.scalb((double) (y.sig & 0x7FF), -63));
        d.mul(d.h, d.l, y.sign ? -lh : lh, y.sign ? -ll : ll);
        DdKernels.round(s, d.h, d.l, scale);
    }

    private static boolean isOne(Unpacked u) {
        return u.cls == Unpacked.FINITE && !u.sign && u.exp == 0 && u.sig == 1L << 63;
    }

    /** FYL2X's zeros, infinities, negative and unit arguments. */
    private static boolean log2Special(SoftFloat s, Unpacked x, Unpacked y) {
        boolean yZero = y.cls == Unpacked.ZERO;
        boolean yInf = y.cls == Unpacked.INF;
        if (x.cls == Unpacked.ZERO) {
            if (yZero) {
                s.invalid(F80);
            } else {
                if (!yInf) {
                    s.flags |= ZE;
                }
                s.infinity(F80, !y.sign);
            }
        } else if (x.cls == Unpacked.INF) {
            if (yZero) {
                s.invalid(F80);
            } else {
                s.infinity(F80, y.sign);
            }
        } else if (isOne(x)) {
            if (yInf) {
                s.invalid(F80);
            } else {
                s.zero(F80, y.sign);
            }
        } else if (yZero || yInf) {
            boolean below = x.exp < 0;
            if (yZero) {
                s.zero(F80, y.sign != below);
            } else {
                s.infinity(F80, y.sign != below);
            }
        } else {
            return false;
        }
        return true;
    }

    /** FYL2XP1's zeros and infinities. */
    private static boolean log2p1Special(SoftFloat s, Unpacked x, Unpacked y) {
        boolean sign = x.sign != y.sign;
        if (x.cls == Unpacked.ZERO) {
            if (y.cls == Unpacked.INF) {
                s.invalid(F80);
            } else {
                s.zero(F80, sign);
            }
        } else if (x.cls == Unpacked.INF) {
            if (x.sign || y.cls == Unpacked.ZERO) {
                s.invalid(F80);
            } else {
                s.infinity(F80, y.sign);
            }
        } else if (y.cls == Unpacked.ZERO) {
            s.zero(F80, sign);
        } else if (y.cls == Unpacked.INF) {
            s.infinity(F80, sign);
        } else {
            return false;
        }
        return true;
    }

    // ---- arctangent -----------------------------------------------------------------------------

    /** FPATAN: atan2(b, a), the angle of the point (a, b), in [-pi, pi]. */
    public static void arctangent(SoftFloat s) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (special(s, x, y)) {
            return;
        }
        DoubleDouble d = s.dd;
        boolean left = x.sign;
        if (y.cls == Unpacked.ZERO) {
            if (left) {
                angle(s, d, DdKernels.PI_H, DdKernels.PI_L, y.sign);
            } else {
                s.zero(F80, y.sign);
            }
            return;
        }
        if (x.cls == Unpacked.ZERO || (y.cls == Unpacked.INF && x.cls != Unpacked.INF)) {
            angle(s, d, DdKernels.HALF_PI_H, DdKernels.HALF_PI_L, y.sign);
            return;
        }
        if (x.cls == Unpacked.INF) {
            if (y.cls == Unpacked.INF) {
                d.mul(DdKernels.PI_H, DdKernels.PI_L, left ? 0.75 : 0.25, 0);
                angle(s, d, d.h, d.l, y.sign);
            } else if (left) {
                angle(s, d, DdKernels.PI_H, DdKernels.PI_L, y.sign);
            } else {
                s.zero(F80, y.sign);
            }
            return;
        }
        boolean steep = y.exp > x.exp || (y.exp == x.exp && Long.compareUnsigned(y.sig, x.sig) > 0);
        Unpacked small = steep ? x : y;
        Unpacked large = steep ? y : x;
        int diff = small.exp - large.exp;
        if (diff < -200 && !steep && !left) {
            Wide w = s.w;
            long q1 = w.divide(y.sig >>> 1, y.sig << 63, x.sig);
            long q2 = w.divide(w.rem, 0, x.sig);
            boolean exact = q2 == 0 && w.rem == 0;
            // atan(t) is a little below t: an exact quotient steps just under it.
            s.roundPack(F80, y.sign, diff, exact ? q1 - 1 : q1, exact ? -1L : q2 | 1);
            return;
        }
        double th = 0;
        double tl = 0;
        if (diff >= -200) {
            d.set(Math.scalb((double) (small.sig >>> 11), diff - 52), Math.scalb((double) (small.sig & 0x7FF),
                    diff - 63));
            th = d.h;
            tl = d.l;
            d.set(Math.scalb((double) (large.sig >>> 11), -52), Math.scalb((double) (large.sig & 0x7FF), -63));
            d.div(th, tl, d.h, d.l);
            DdKernels.atanKernel(d, d.h, d.l);
            th = d.h;
            tl = d.l;
        }
        if (steep) {
            d.add(DdKernels.HALF_PI_H, DdKernels.HALF_PI_L, -th, -tl);
            th = d.h;
            tl = d.l;
        }
        if (left) {
            d.add(DdKernels.PI_H, DdKernels.PI_L, -th, -tl);
            th = d.h;
            tl = d.l;
        }
        angle(s, d, th, tl, y.sign);
    }

    private static void angle(SoftFloat s, DoubleDouble d, double h, double l, boolean negative) {
        DdKernels.round(s, negative ? -h : h, negative ? -l : l, 0);
    }
}
