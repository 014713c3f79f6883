package jvisor.engine.emu.fpu;

import static jvisor.engine.emu.fpu.SoftFloat.DE;
import static jvisor.engine.emu.fpu.SoftFloat.IE;
import static jvisor.engine.emu.fpu.SoftFloat.ZE;

/**
 * The basic operations on the operands loaded into a {@link SoftFloat}: add, subtract,
 * multiply, divide and square root, exact on a 128-bit significand and rounded once. Special
 * operands (NaN, infinity, zero) follow IEEE 754 with the x86 choice of result NaN and the x86
 * exception flags: invalid for SNaN and meaningless operations, divide-by-zero, denormal.
 */
public final class FloatArith {
    private FloatArith() { }

    /** Unsupported x87 encodings and NaNs: returns true if the result is already decided. */
    private static boolean nanOrUnsupported(SoftFloat s, int fmt, Unpacked x, Unpacked y) {
        s.roundedUp = false;
        if (x.cls == Unpacked.UNSUPPORTED || (y != null && y.cls == Unpacked.UNSUPPORTED)) {
            s.invalid(fmt);
            return true;
        }
        if (x.isNan() || (y != null && y.isNan())) {
            s.propagateNan(fmt, x, y);
            return true;
        }
        return false;
    }

    private static void denormals(SoftFloat s, Unpacked x, Unpacked y) {
        if (x.denormal || (y != null && y.denormal)) {
            s.flags |= DE;
        }
    }

    /** a + b, or a - b when {@code subtract}. */
    public static void add(SoftFloat s, int fmt, boolean subtract) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (nanOrUnsupported(s, fmt, x, y)) {
            return;
        }
        boolean ySign = y.sign ^ subtract;
        denormals(s, x, y);
        if (x.cls == Unpacked.INF || y.cls == Unpacked.INF) {
            if (x.cls == Unpacked.INF && y.cls == Unpacked.INF && x.sign != ySign) {
                s.invalid(fmt);
            } else {
                s.infinity(fmt, x.cls == Unpacked.INF ? x.sign : ySign);
            }
            return;
        }
        if (y.cls == Unpacked.ZERO) {
            if (x.cls == Unpacked.ZERO) {
                s.zero(fmt, x.sign == ySign ? x.sign : s.rounding == SoftFloat.DOWN);
            } else {
                s.roundPack(fmt, x);
            }
            return;
        }
        if (x.cls == Unpacked.ZERO) {
            s.roundPack(fmt, ySign, y.exp, y.sig, 0);
            return;
        }
        addFinite(s, fmt, x.sign, x.exp, x.sig, ySign, y.exp, y.sig);
    }

    private static void addFinite(SoftFloat s, int fmt, boolean sa, int ea, long ma, boolean sb, int eb, long mb) {
        if (ea < eb || (ea == eb && Long.compareUnsigned(ma, mb) < 0)) {
            boolean ts = sa;
            sa = sb;
            sb = ts;
            int te = ea;
            ea = eb;
            eb = te;
            long tm = ma;
            ma = mb;
            mb = tm;
        }
        Wide w = s.w;
        w.shiftRightJam(mb, 0, ea - eb);
        long bh = w.hi;
        long bl = w.lo;
        if (sa == sb) {
            long hi = ma + bh;
            long lo = bl;
            if (Long.compareUnsigned(hi, ma) < 0) {
                w.shiftRightJam(hi, lo, 1);
                hi = w.hi | (1L << 63);
                lo = w.lo;
                ea++;
            }
            s.roundPack(fmt, sa, ea, hi, lo);
        } else {
            long lo = -bl;
            long hi = ma - bh - (bl != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                s.zero(fmt, s.rounding == SoftFloat.DOWN);
                s.roundedUp = false;
                return;
            }
            s.roundPack(fmt, sa, ea, hi, lo);
        }
    }

    public static void multiply(SoftFloat s, int fmt) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (nanOrUnsupported(s, fmt, x, y)) {
            return;
        }
        boolean sign = x.sign ^ y.sign;
        if (x.cls == Unpacked.INF || y.cls == Unpacked.INF) {
            if (x.cls == Unpacked.ZERO || y.cls == Unpacked.ZERO) {
                s.invalid(fmt);
            } else {
                denormals(s, x, y);
                s.infinity(fmt, sign);
            }
            return;
        }
        denormals(s, x, y);
        if (x.cls == Unpacked.ZERO || y.cls == Unpacked.ZERO) {
            s.zero(fmt, sign);
            s.roundedUp = false;
            return;
        }
        long hi = Math.unsignedMultiplyHigh(x.sig, y.sig);
        long lo = x.sig * y.sig;
        s.roundPack(fmt, sign, x.exp + y.exp + 1, hi, lo);
    }

    /** a / b. */
    public static void divide(SoftFloat s, int fmt) {
        Unpacked x = s.a;
        Unpacked y = s.b;
        if (nanOrUnsupported(s, fmt, x, y)) {
            return;
        }
        boolean sign = x.sign ^ y.sign;
        if (x.cls == Unpacked.INF) {
            if (y.cls == Unpacked.INF) {
                s.invalid(fmt);
            } else {
                denormals(s, x, y);
                s.infinity(fmt, sign);
            }
            return;
        }
        if (y.cls == Unpacked.ZERO) {
            if (x.cls == Unpacked.ZERO) {
                s.invalid(fmt);
            } else {
                // Divide-by-zero outranks the denormal-operand exception: only ZE is reported.
                s.flags |= ZE;
                s.infinity(fmt, sign);
            }
            return;
        }
        denormals(s, x, y);
        if (y.cls == Unpacked.INF || x.cls == Unpacked.ZERO) {
            s.zero(fmt, sign);
            s.roundedUp = false;
            return;
        }
        Wide w = s.w;
        long q1 = w.divide(x.sig >>> 1, x.sig << 63, y.sig);
        long q2 = w.divide(w.rem, 0, y.sig);
        s.roundPack(fmt, sign, x.exp - y.exp, q1, q2 | (w.rem != 0 ? 1 : 0));
    }

    /** The square root of a. */
    public static void sqrt(SoftFloat s, int fmt) {
        Unpacked x = s.a;
        if (nanOrUnsupported(s, fmt, x, null)) {
            return;
        }
        if (x.cls == Unpacked.ZERO) {
            s.zero(fmt, x.sign);
            s.roundedUp = false;
            return;
        }
        if (x.sign) {
            s.invalid(fmt);
            return;
        }
        if (x.cls == Unpacked.INF) {
            s.infinity(fmt, false);
            return;
        }
        denormals(s, x, null);
        int e = x.exp;
        long h;
        long l;
        int k;
        if ((e & 1) != 0) {
            h = x.sig;
            l = 0;
            k = (e - 127) >> 1;
        } else {
            h = x.sig >>> 1;
            l = x.sig << 63;
            k = (e - 126) >> 1;
        }
        Wide w = s.w;
        long root = w.sqrt(h, l);
        boolean inexact = w.rem != 0 || w.remCarry;
        boolean above = w.remCarry || Long.compareUnsigned(w.rem, root) > 0;
        long lo = inexact ? (above ? 1L << 63 : 0) | 1 : 0;
        s.roundPack(fmt, false, 63 + k, root, lo);
    }

    /** Rounds a into {@code fmt} (format conversion): SNaN quiets with IE, denormals raise DE. */
    public static void convert(SoftFloat s, int fmt) {
        Unpacked x = s.a;
        if (nanOrUnsupported(s, fmt, x, null)) {
            return;
        }
        switch (x.cls) {
            case Unpacked.ZERO -> {
                s.zero(fmt, x.sign);
                s.roundedUp = false;
            }
            case Unpacked.INF -> s.infinity(fmt, x.sign);
            default -> {
                denormals(s, x, null);
                s.roundPack(fmt, x);
            }
        }
    }

    /** Signals IE the way a conversion or comparison sees a NaN: always, or only for SNaN. */
    static void nanInvalid(SoftFloat s, Unpacked u, boolean quietToo) {
        if (u.isNan() && (quietToo || u.signaling)) {
            s.flags |= IE;
        }
    }
}
