package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.DE;
import static jvisor.engine.emu.fpu.SoftFloat.F80;
import static jvisor.engine.emu.fpu.SoftFloat.IE;
import static jvisor.engine.emu.fpu.SoftFloat.ZE;

/**
 * The x87-only operations on extended values in a {@link SoftFloat}: the constants, packed BCD,
 * FSCALE, FXTRACT and the partial remainders FPREM/FPREM1. Operands are in {@code a} (ST0) and
 * {@code b} (ST1); results in {@code se/m} (and {@code se2/m2}).
 */
public final class X87Math {
    private X87Math() { }

    public static final int ONE = 0;
    public static final int LOG2_10 = 1;
    public static final int LOG2_E = 2;
    public static final int PI = 3;
    public static final int LOG10_2 = 4;
    public static final int LN_2 = 5;
    public static final int ZERO = 6;

    /** {@link #remainder}'s answer when there is no quotient: C0 and C3 keep their values. */
    public static final int NO_QUOTIENT = -2;

    /** 128 leading bits of each constant (the rest is never zero) and the exponent of its top bit. */
    private static final long[][] CONSTANTS = {
        {0x8000_0000_0000_0000L, 0, 0},
        {0xD49A_784B_CD1B_8AFEL, 0x492B_F6FF_4DAF_DB4CL, 1},
        {0xB8AA_3B29_5C17_F0BBL, 0xBE87_FED0_691D_3E88L, 0},
        {0xC90F_DAA2_2168_C234L, 0xC4C6_628B_80DC_1CD1L, 1},
        {0x9A20_9A84_FBCF_F798L, 0x8F89_59AC_0B7C_9178L, -2},
        {0xB172_17F7_D1CF_79ABL, 0xC9E3_B398_03F2_F6AFL, -1},
    };

    /** FLD1 ... FLDZ: the constant rounded by RC; loading a constant raises no precision exception. */
    public static void constant(SoftFloat s, int which) {
        if (which == ZERO) {
            s.zero(F80, false);
            return;
        }
        long[] k = CONSTANTS[which];
        int flags = s.flags;
        s.roundPack(F80, false, (int) k[2], k[0], k[1] == 0 ? 0 : k[1] | 1);
        s.flags = flags;
    }

    private static final long MAX_BCD = 999_999_999_999_999_999L;

    /** FBLD: 18 packed decimal digits (16 in {@code low}, 2 in the low byte of {@code high}), sign in bit 15 of high. */
    public static void fromBcd(SoftFloat s, long low, int high) {
        long v = 0;
        for (int d = 17; d >= 0; d--) {
            long digit = d >= 16 ? (high >>> (4 * (d - 16))) & 0xF : (low >>> (4 * d)) & 0xF;
            v = v * 10 + digit;
        }
        boolean negative = (high & 0x8000) != 0;
        FloatConvert.fromInt(s, F80, v);
        if (negative) {
            s.se |= 0x8000;
        }
    }

    /** The packed BCD indefinite FBSTP stores when IE is masked. */
    public static void bcdIndefinite(SoftFloat s) {
        s.se = 0xFFFF;
        s.m = 0xC000_0000_0000_0000L;
    }

    /** FBSTP: a rounded to an integer by RC, as 18 packed digits in {@code m} and {@code se}. */
    public static void toBcd(SoftFloat s) {
        Unpacked x = s.a;
        int before = s.flags;
        long v = FloatConvert.toInt(s, 64, false);
        if ((s.flags & IE) != 0 || v > MAX_BCD || v < -MAX_BCD) {
            s.flags = before | IE;
            bcdIndefinite(s);
            return;
        }
        long magnitude = Math.abs(v);
        long low = 0;
        for (int d = 0; d < 16; d++) {
            low |= (magnitude % 10) << (4 * d);
            magnitude /= 10;
        }
        int high = (int) ((magnitude % 10) | (magnitude / 10) << 4);
        s.m = low;
        s.se = high | (x.sign ? 0x8000 : 0);
    }

    /** FSCALE: a * 2^trunc(b), rounded by RC at 64 bits. */
    public static void scale(SoftFloat s) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (x.cls == Unpacked.UNSUPPORTED || y.cls == Unpacked.UNSUPPORTED) {
            s.invalid(F80);
            return;
        }
        if (x.isNan() || y.isNan()) {
            s.propagateNan(F80, x, y);
            return;
        }
        if (x.denormal || y.denormal) {
            s.flags |= DE;
        }
        if (y.cls == Unpacked.INF) {
            if ((!y.sign && x.cls == Unpacked.ZERO) || (y.sign && x.cls == Unpacked.INF)) {
                s.invalid(F80);
            } else if (!y.sign && x.cls != Unpacked.ZERO) {
                s.infinity(F80, x.sign);
            } else {
                s.zero(F80, x.sign);
            }
            return;
        }
        if (x.cls != Unpacked.FINITE) {
            copy(s, x);
            return;
        }
        int n;
        if (y.cls == Unpacked.ZERO || y.exp < 0) {
            n = 0;
        } else if (y.exp > 20) {
            n = 1 << 21;
        } else {
            n = (int) (y.sig >>> (63 - y.exp));
        }
        s.roundPack(F80, x.sign, x.exp + (y.sign ? -n : n), x.sig, 0);
    }

    /** Writes an unpacked zero, infinity or finite value back as F80 (exactly). */
    private static void copy(SoftFloat s, Unpacked x) {
        switch (x.cls) {
            case Unpacked.ZERO -> s.zero(F80, x.sign);
            case Unpacked.INF -> s.infinity(F80, x.sign);
            default -> s.roundPack(F80, x);
        }
    }

    /** FXTRACT: the exponent of a (as a value) in {@code se/m}, its significand (exponent 0) in {@code se2/m2}. */
    public static void extract(SoftFloat s) {
        Unpacked x = s.a;
        if (x.cls == Unpacked.UNSUPPORTED) {
            s.invalid(F80);
            s.se2 = s.se;
            s.m2 = s.m;
            return;
        }
        if (x.isNan()) {
            s.propagateNan(F80, x, null);
            s.se2 = s.se;
            s.m2 = s.m;
            return;
        }
        switch (x.cls) {
            case Unpacked.ZERO -> {
                s.flags |= ZE;
                s.zero(F80, x.sign);
                s.se2 = s.se;
                s.m2 = s.m;
                s.infinity(F80, true);
            }
            case Unpacked.INF -> {
                s.infinity(F80, x.sign);
                s.se2 = s.se;
                s.m2 = s.m;
                s.infinity(F80, false);
            }
            default -> {
                if (x.denormal) {
                    s.flags |= DE;
                }
                s.se2 = (x.sign ? 0x8000 : 0) | 0x3FFF;
                s.m2 = x.sig;
                FloatConvert.fromInt(s, F80, x.exp);
            }
        }
    }

    /**
     * FPREM (truncating quotient) and FPREM1 ({@code ieee}: quotient rounded to nearest even):
     * a - q*b, exact. Returns the low three quotient bits, -1 when the exponents are 64 or
     * more apart and only a partial reduction was done (C2 set; the caller loops), or
     * {@link #NO_QUOTIENT} for a NaN or invalid operand.
     */
    public static int remainder(SoftFloat s, boolean ieee) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (x.cls == Unpacked.UNSUPPORTED || y.cls == Unpacked.UNSUPPORTED) {
            s.invalid(F80);
            return NO_QUOTIENT;
        }
        if (x.isNan() || y.isNan()) {
            s.propagateNan(F80, x, y);
            return NO_QUOTIENT;
        }
        if (x.cls == Unpacked.INF || y.cls == Unpacked.ZERO) {
            s.invalid(F80);
            return NO_QUOTIENT;
        }
        if (x.denormal || y.denormal) {
            s.flags |= DE;
        }
        if (y.cls == Unpacked.INF || x.cls == Unpacked.ZERO) {
            copy(s, x);
            return 0;
        }
        int d = x.exp - y.exp;
        if (d < (ieee ? -1 : 0)) {
            copy(s, x);
            return 0;
        }
        if (d == -1) {
            return halfRemainder(s, x, y);
        }
        int n = d < 64 ? d : 32 + d % 32;
        Wide w = s.w;
        long q = w.divide(n == 0 ? 0 : x.sig >>> (64 - n), x.sig << n, y.sig);
        long r = w.rem;
        boolean sign = x.sign;
        if (ieee && d < 64 && (Long.compareUnsigned(r, y.sig - r) > 0 || (r == y.sig - r && (q & 1) != 0))) {
            r = y.sig - r;
            q++;
            sign = !sign;
        }
        if (r == 0) {
            s.zero(F80, x.sign);
        } else {
            s.roundPack(F80, sign, y.exp + d - n, r, 0);
        }
        return d < 64 ? (int) (q & 7) : -1;
    }

    /** FPREM1 with |a| between |b|/4 and |b|/2 (exponent one below): q is 1 only if |a| > |b|/2. */
    private static int halfRemainder(SoftFloat s, Unpacked x, Unpacked y) {
        if (Long.compareUnsigned(x.sig, y.sig) <= 0) {
            copy(s, x);
            return 0;
        }
        long r = 2 * y.sig - x.sig;
        s.roundPack(F80, !x.sign, x.exp, r, 0);
        return 1;
    }
}
