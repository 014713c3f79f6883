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
}
