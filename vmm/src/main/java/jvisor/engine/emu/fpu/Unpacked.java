package jvisor.engine.emu.fpu;

/**
 * A floating-point operand taken apart: its class, sign, and for finite values the unbiased
 * exponent of the leading significand bit with the significand normalized to bit 63. NaNs keep
 * their significand left-aligned the same way (integer bit set), so a NaN's payload moves
 * between formats by shifting.
 */
final class Unpacked {
    static final int ZERO = 0;
    static final int FINITE = 1;
    static final int INF = 2;
    static final int NAN = 3;
    /** An x87 encoding the processor no longer supports (unnormal, pseudo-NaN, pseudo-infinity). */
    static final int UNSUPPORTED = 4;

    int cls;
    boolean sign;
    int exp;
    long sig;
    /** A NaN with the quiet bit clear. */
    boolean signaling;
    /** A finite value that was denormal (or pseudo-denormal) in its format. */
    boolean denormal;

    void set(int c, boolean s, int e, long m) {
        cls = c;
        sign = s;
        exp = e;
        sig = m;
        signaling = false;
        denormal = false;
    }

    boolean isNan() {
        return cls == NAN;
    }

    void load32(int v, boolean daz) {
        boolean s = v < 0;
        int e = (v >>> 23) & 0xFF;
        long f = v & 0x7F_FFFFL;
        if (e == 0xFF) {
            special(s, f == 0, (1L << 63) | (f << 40), (f & 0x40_0000) == 0);
        } else if (e == 0) {
            subnormal(s, f, -149, daz);
        } else {
            set(FINITE, s, e - 127, (1L << 63) | (f << 40));
        }
    }

    void load64(long v, boolean daz) {
        boolean s = v < 0;
        int e = (int) (v >>> 52) & 0x7FF;
        long f = v & 0xF_FFFF_FFFF_FFFFL;
        if (e == 0x7FF) {
            special(s, f == 0, (1L << 63) | (f << 11), (f & (1L << 51)) == 0);
        } else if (e == 0) {
            subnormal(s, f, -1074, daz);
        } else {
            set(FINITE, s, e - 1023, (1L << 63) | (f << 11));
        }
    }

    /** The x87 format: explicit integer bit, so unnormals and pseudo-NaNs are unsupported. */
    void load80(int sexp, long m) {
        boolean s = (sexp & 0x8000) != 0;
        int e = sexp & 0x7FFF;
        boolean integer = m < 0;
        if (e == 0x7FFF) {
            if (!integer) {
                set(UNSUPPORTED, s, 0, m);
            } else {
                special(s, (m << 1) == 0, m, (m & (1L << 62)) == 0);
            }
        } else if (e == 0) {
            if (m == 0) {
                set(ZERO, s, 0, 0);
            } else {
                int k = 63 - Long.numberOfLeadingZeros(m);
                set(FINITE, s, k - 16445, m << (63 - k));
                denormal = true;
            }
        } else if (!integer) {
            set(UNSUPPORTED, s, 0, m);
        } else {
            set(FINITE, s, e - 16383, m);
        }
    }

    private void special(boolean s, boolean infinite, long m, boolean quietBitClear) {
        if (infinite) {
            set(INF, s, 0, 1L << 63);
        } else {
            set(NAN, s, 0, m);
            signaling = quietBitClear;
        }
    }

    /** A zero or subnormal: {@code f} units of 2^{@code unitExp}. */
    private void subnormal(boolean s, long f, int unitExp, boolean daz) {
        if (f == 0 || daz) {
            set(ZERO, s, 0, 0);
            return;
        }
        int k = 63 - Long.numberOfLeadingZeros(f);
        set(FINITE, s, k + unitExp, f << (63 - k));
        denormal = true;
    }
}
