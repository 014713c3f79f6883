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

    private static final double LN2_H = Double.longBitsToDouble(0x3FE62E42FEFA39EFL);
    private static final double LN2_L = Double.longBitsToDouble(0x3C7ABC9E3B39803FL);
    private static final double LOG2E_H = Double.longBitsToDouble(0x3FF71547652B82FEL);
    private static final double LOG2E_L = Double.longBitsToDouble(0x3C7777D0FFDA0D24L);
    private static final double PI_H = Double.longBitsToDouble(0x400921FB54442D18L);
    private static final double PI_L = Double.longBitsToDouble(0x3CA1A62633145C07L);
    private static final double HALF_PI_H = Double.longBitsToDouble(0x3FF921FB54442D18L);
    private static final double HALF_PI_L = Double.longBitsToDouble(0x3C91A62633145C07L);
    private static final double TWO_OVER_PI_H = Double.longBitsToDouble(0x3FE45F306DC9C883L);
    private static final double TWO_OVER_PI_L = Double.longBitsToDouble(0xBC86B01EC5417056L);
    /** pi/2 as the hardware knows it: 66 bits, 0x3243F6A8885A308D3 * 2^-65. */
    private static final long HALF_PI66_HIGH = 3;
    private static final long HALF_PI66_LOW = 0x243F_6A88_85A3_08D3L;

    /** Terms are summed until they fall below this fraction of the sum. */
    private static final double CONVERGED = 0x1p-112;

    // ---- double-double <-> unpacked ------------------------------------------------------------

    /** A finite unpacked value (exponent within double range) as double-double. */
    static void toDd(DoubleDouble d, Unpacked u) {
        double hi = Math.scalb((double) (u.sig >>> 11), u.exp - 52);
        double lo = Math.scalb((double) (u.sig & 0x7FF), u.exp - 63);
        d.set(u.sign ? -hi : hi, u.sign ? -lo : lo);
    }

    /** Rounds {@code (h + l) * 2^scale} to F80. */
    static void round(SoftFloat s, double h, double l, int scale) {
        if (h == 0) {
            s.zero(F80, false);
            return;
        }
        long hb = Double.doubleToRawLongBits(h);
        boolean sign = hb < 0;
        int eh = Math.getExponent(h);
        long mh = (hb & 0xF_FFFF_FFFF_FFFFL) | (1L << 52);
        long hi = mh << 11;
        long lo = 0;
        if (l != 0) {
            long lb = Double.doubleToRawLongBits(l);
            long ml = (lb & 0xF_FFFF_FFFF_FFFFL) | (1L << 52);
            int shift = Math.getExponent(l) - eh + 75;
            Wide w = s.w;
            if (shift >= 64) {
                w.hi = ml << (shift - 64);
                w.lo = 0;
            } else if (shift >= 11) {
                w.hi = ml >>> (64 - shift);
                w.lo = ml << shift;
            } else {
                w.shiftRightJam(0, ml << 11, 11 - shift);
            }
            if ((lb < 0) == sign) {
                long nlo = lo + w.lo;
                hi = hi + w.hi + (Long.compareUnsigned(nlo, lo) < 0 ? 1 : 0);
                lo = nlo;
            } else {
                long nlo = lo - w.lo;
                hi = hi - w.hi - (Long.compareUnsigned(lo, w.lo) < 0 ? 1 : 0);
                lo = nlo;
            }
        }
        s.roundPack(F80, sign, eh + scale, hi, lo);
    }

    // ---- kernels ---------------------------------------------------------------------------------

    /** sin(r) (or cos(r)) for |r| below about 0.8, by its Taylor series. */
    private static void sinCosKernel(DoubleDouble d, double rh, double rl, boolean cosine) {
        d.mul(rh, rl, rh, rl);
        double r2h = d.h;
        double r2l = d.l;
        double th = cosine ? 1 : rh;
        double tl = cosine ? 0 : rl;
        double sh = th;
        double sl = tl;
        for (int n = cosine ? 1 : 2; n < 60; n += 2) {
            d.mul(th, tl, -r2h, -r2l);
            d.div(d.h, d.l, (double) n * (n + 1), 0);
            th = d.h;
            tl = d.l;
            d.add(sh, sl, th, tl);
            sh = d.h;
            sl = d.l;
            if (Math.abs(th) < CONVERGED * Math.abs(sh)) {
                break;
            }
        }
        d.set(sh, sl);
    }

    /** e^t - 1 for |t| below 1. */
    private static void expm1Kernel(DoubleDouble d, double th, double tl) {
        double ph = th;
        double pl = tl;
        double sh = th;
        double sl = tl;
        for (int n = 2; n < 60; n++) {
            d.mul(ph, pl, th, tl);
            d.div(d.h, d.l, n, 0);
            ph = d.h;
            pl = d.l;
            d.add(sh, sl, ph, pl);
            sh = d.h;
            sl = d.l;
            if (Math.abs(ph) < CONVERGED * Math.abs(sh)) {
                break;
            }
        }
        d.set(sh, sl);
    }

    /** ln(m) for m near 1 given as {@code m - 1} (dd): 2 atanh((m-1)/(m+1)). */
    private static void lnKernel(DoubleDouble d, double xh, double xl) {
        d.add(xh, xl, 2, 0);
        d.div(xh, xl, d.h, d.l);
        atanhSeries(d, d.h, d.l);
        d.set(2 * d.h, 2 * d.l);
    }

    /** s + s^3/3 + s^5/5 + ... */
    private static void atanhSeries(DoubleDouble d, double sh, double sl) {
        seriesOdd(d, sh, sl, false);
    }

    /** atan(t) for |t| up to about 0.1: t - t^3/3 + t^5/5 - ... */
    private static void atanSeries(DoubleDouble d, double th, double tl) {
        seriesOdd(d, th, tl, true);
    }

    private static void seriesOdd(DoubleDouble d, double xh, double xl, boolean alternate) {
        if (xh == 0) {
            d.set(0, 0);
            return;
        }
        d.mul(xh, xl, xh, xl);
        double x2h = alternate ? -d.h : d.h;
        double x2l = alternate ? -d.l : d.l;
        double ph = xh;
        double pl = xl;
        double sh = xh;
        double sl = xl;
        for (int n = 3; n < 200; n += 2) {
            d.mul(ph, pl, x2h, x2l);
            ph = d.h;
            pl = d.l;
            d.div(ph, pl, n, 0);
            double th = d.h;
            d.add(sh, sl, th, d.l);
            sh = d.h;
            sl = d.l;
            if (Math.abs(th) < CONVERGED * Math.abs(sh)) {
                break;
            }
        }
        d.set(sh, sl);
    }

    /** atan(t) for 0 <= t <= 1: three argument halvings t / (1 + sqrt(1 + t^2)), then the series. */
    private static void atanKernel(DoubleDouble d, double th, double tl) {
        for (int k = 0; k < 3; k++) {
            d.mul(th, tl, th, tl);
            d.add(d.h, d.l, 1, 0);
            d.sqrt(d.h, d.l);
            d.add(d.h, d.l, 1, 0);
            d.div(th, tl, d.h, d.l);
            th = d.h;
            tl = d.l;
        }
        atanSeries(d, th, tl);
        d.set(8 * d.h, 8 * d.l);
    }

    // ---- sine, cosine, tangent ----------------------------------------------------------------

    public static final int SIN = 0;
    public static final int COS = 1;
    public static final int TAN = 2;

    /**
     * Reduces finite x modulo the hardware's pi/2: leaves r = x - k * pi66/2 (exact) in {@code d}
     * and returns k mod 4.
     */
    private static int reduce(DoubleDouble d, Unpacked x) {
        if (x.exp < -2) {
            toDd(d, x);
            return 0;
        }
        toDd(d, x);
        d.mul(d.h, d.l, TWO_OVER_PI_H, TWO_OVER_PI_L);
        double kh = Math.rint(d.h);
        double kl = Math.rint((d.h - kh) + d.l);
        long k = Math.abs((long) kh + (long) kl);
        int shift = x.exp + 2;
        long aHi = shift == 0 ? 0 : x.sig >>> (64 - shift);
        long aLo = shift == 64 ? 0 : x.sig << shift;
        if (shift == 64) {
            aHi = x.sig;
        }
        long bLo = k * HALF_PI66_LOW;
        long bHi = Math.unsignedMultiplyHigh(k, HALF_PI66_LOW) + k * HALF_PI66_HIGH;
        long lo = aLo - bLo;
        long hi = aHi - bHi - (Long.compareUnsigned(aLo, bLo) < 0 ? 1 : 0);
        boolean negative = hi < 0;
        if (negative) {
            lo = -lo;
            hi = ~hi + (lo == 0 ? 1 : 0);
        }
        toDdInteger(d, hi, lo, -65, negative != x.sign);
        int q = (int) (k & 3);
        return x.sign ? (4 - q) & 3 : q;
    }

    /** The 128-bit magnitude {@code hi:lo} times 2^scale as double-double (exact for up to 106 bits). */
    private static void toDdInteger(DoubleDouble d, long hi, long lo, int scale, boolean negative) {
        if (hi == 0 && lo == 0) {
            d.set(0, 0);
            return;
        }
        int nz = hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(lo);
        long top = nz >= 64 ? lo << (nz - 64) : (hi << nz) | (nz == 0 ? 0 : lo >>> (64 - nz));
        long rest = nz >= 64 ? 0 : lo << nz;
        int exp = 127 - nz + scale;
        double h = Math.scalb((double) (top >>> 11), exp - 52);
        double l = Math.scalb((double) (((top & 0x7FF) << 42) | (rest >>> 22)), exp - 105);
        d.set(negative ? -h : h, negative ? -l : l);
    }

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
        int q = reduce(d, x);
        double rh = d.h;
        double rl = d.l;
        if (which == TAN) {
            sinCosKernel(d, rh, rl, false);
            double sh = d.h;
            double sl = d.l;
            sinCosKernel(d, rh, rl, true);
            if ((q & 1) == 0) {
                d.div(sh, sl, d.h, d.l);
            } else {
                d.div(-d.h, -d.l, sh, sl);
            }
        } else {
            boolean cosine = (which == COS) != ((q & 1) != 0);
            sinCosKernel(d, rh, rl, cosine);
            int negateQuadrants = which == COS ? 0b0110 : 0b1100;
            if (((negateQuadrants >>> q) & 1) != 0) {
                d.set(-d.h, -d.l);
            }
        }
        round(s, d.h, d.l, 0);
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
                    toDd(d, x);
                    d.mul(d.h, d.l, LN2_H, LN2_L);
                    expm1Kernel(d, d.h, d.l);
                    round(s, d.h, d.l, 0);
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
                d.mul(d.h, d.l, LOG2E_H, LOG2E_L);
            } else {
                toDd(d, x);
                lnKernel(d, d.h, d.l);
                d.mul(d.h, d.l, LOG2E_H, LOG2E_L);
            }
        } else {
            boolean halve = Long.compareUnsigned(x.sig, SQRT2_SIG) > 0;
            int e = x.exp + (halve ? 1 : 0);
            if (halve) {
                // m = sig / 2^64, so m - 1 = -(2^64 - sig) / 2^64.
                toDdInteger(d, 0, -x.sig, -64, true);
            } else {
                toDdInteger(d, 0, x.sig - (1L << 63), -63, false);
            }
            double mh = d.h;
            double ml = d.l;
            lnKernel(d, mh, ml);
            d.mul(d.h, d.l, LOG2E_H, LOG2E_L);
            d.add(d.h, d.l, e, 0);
        }
        double lh = d.h;
        double ll = d.l;
        d.set(Math.scalb((double) (y.sig >>> 11), -52), Math.scalb((double) (y.sig & 0x7FF), -63));
        d.mul(d.h, d.l, y.sign ? -lh : lh, y.sign ? -ll : ll);
        round(s, d.h, d.l, scale);
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
                angle(s, d, PI_H, PI_L, y.sign);
            } else {
                s.zero(F80, y.sign);
            }
            return;
        }
        if (x.cls == Unpacked.ZERO || (y.cls == Unpacked.INF && x.cls != Unpacked.INF)) {
            angle(s, d, HALF_PI_H, HALF_PI_L, y.sign);
            return;
        }
        if (x.cls == Unpacked.INF) {
            if (y.cls == Unpacked.INF) {
                d.mul(PI_H, PI_L, left ? 0.75 : 0.25, 0);
                angle(s, d, d.h, d.l, y.sign);
            } else if (left) {
                angle(s, d, PI_H, PI_L, y.sign);
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
            atanKernel(d, d.h, d.l);
            th = d.h;
            tl = d.l;
        }
        if (steep) {
            d.add(HALF_PI_H, HALF_PI_L, -th, -tl);
            th = d.h;
            tl = d.l;
        }
        if (left) {
            d.add(PI_H, PI_L, -th, -tl);
            th = d.h;
            tl = d.l;
        }
        angle(s, d, th, tl, y.sign);
    }

    private static void angle(SoftFloat s, DoubleDouble d, double h, double l, boolean negative) {
        round(s, negative ? -h : h, negative ? -l : l, 0);
    }
}
