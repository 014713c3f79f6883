package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.F80;

/**
 * The double-double machinery of the transcendental instructions: conversions between
 * extended values and double-double, the final rounding to 64 bits, the series kernels (sine,
 * cosine, e^t - 1, logarithm, arctangent) and the argument reduction by the hardware's 66-bit pi.
 */
final class DdKernels {
    private DdKernels() { }

    static final double LN2_H = Double.longBitsToDouble(0x3FE62E42FEFA39EFL);
    static final double LN2_L = Double.longBitsToDouble(0x3C7ABC9E3B39803FL);
    static final double LOG2E_H = Double.longBitsToDouble(0x3FF71547652B82FEL);
    static final double LOG2E_L = Double.longBitsToDouble(0x3C7777D0FFDA0D24L);
    static final double PI_H = Double.longBitsToDouble(0x400921FB54442D18L);
    static final double PI_L = Double.longBitsToDouble(0x3CA1A62633145C07L);
    static final double HALF_PI_H = Double.longBitsToDouble(0x3FF921FB54442D18L);
    static final double HALF_PI_L = Double.longBitsToDouble(0x3C91A62633145C07L);
    static final double TWO_OVER_PI_H = Double.longBitsToDouble(0x3FE45F306DC9C883L);
    static final double TWO_OVER_PI_L = Double.longBitsToDouble(0xBC86B01EC5417056L);
    /** pi/2 as the hardware knows it: 66 bits, 0x3243F6A8885A308D3 * 2^-65. */
    static final long HALF_PI66_HIGH = 3;
    static final long HALF_PI66_LOW = 0x243F_6A88_85A3_08D3L;

    /** Terms are summed until they fall below this fraction of the sum. */
    static final double CONVERGED = 0x1p-112;

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
    static void sinCosKernel(DoubleDouble d, double rh, double rl, boolean cosine) {
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
    static void expm1Kernel(DoubleDouble d, double th, double tl) {
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
    static void lnKernel(DoubleDouble d, double xh, double xl) {
        d.add(xh, xl, 2, 0);
        d.div(xh, xl, d.h, d.l);
        atanhSeries(d, d.h, d.l);
        d.set(2 * d.h, 2 * d.l);
    }

    /** s + s^3/3 + s^5/5 + ... */
    static void atanhSeries(DoubleDouble d, double sh, double sl) {
        seriesOdd(d, sh, sl, false);
    }

    /** atan(t) for |t| up to about 0.1: t - t^3/3 + t^5/5 - ... */
    static void atanSeries(DoubleDouble d, double th, double tl) {
        seriesOdd(d, th, tl, true);
    }

    static void seriesOdd(DoubleDouble d, double xh, double xl, boolean alternate) {
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
    static void atanKernel(DoubleDouble d, double th, double tl) {
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

    /**
     * Reduces finite x modulo the hardware's pi/2: leaves r = x - k * pi66/2 (exact) in {@code d}
     * and returns k mod 4.
     */
    static int reduce(DoubleDouble d, Unpacked x) {
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
    static void toDdInteger(DoubleDouble d, long hi, long lo, int scale, boolean negative) {
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
}
