package jvisor.engine.emu.exec.x87;

import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SoftFloat;
import jvisor.engine.emu.fpu.Transcendental;

/**
 * FSIN, FCOS, FSINCOS, FPTAN (C2 set and nothing changed when |ST(0)| >= 2^63), F2XM1, FYL2X,
 * FYL2XP1 and FPATAN: the stack handling around {@link Transcendental}.
 */
final class X87Transcendental {
    private X87Transcendental() { }

    private static void setC2(FpuState f, boolean on) {
        f.status = on ? f.status | X87.C2 : f.status & ~X87.C2;
    }

    /** An empty ST(0): the indefinite replaces it if IE is masked. Returns true if ST(0) was empty. */
    private static boolean emptyTop(FpuState f) {
        if (!f.isEmpty(0)) {
            return false;
        }
        if (X87.underflow(f)) {
            f.set(0, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
        }
        return true;
    }

    /** FSIN ({@code cosine} false) and FCOS. */
    static Op sineOrCosine(boolean cosine) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (emptyTop(f)) {
                return;
            }
            SoftFloat s = f.sf;
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            if (!Transcendental.trig(s, cosine ? Transcendental.COS : Transcendental.SIN)) {
                setC2(f, true);
                return;
            }
            if (X87.commit(f)) {
                f.set(0, s.se, s.m);
                X87.roundingC1(f);
                setC2(f, false);
            }
        };
    }

    /** FSINCOS: ST(0) becomes the sine, then the cosine is pushed. */
    static final Op SINE_COSINE = (c, x) -> twoResults(X87.begin(c, x), false);

    /** FPTAN: ST(0) becomes the tangent, then 1.0 is pushed. */
    static final Op TANGENT = (c, x) -> twoResults(X87.begin(c, x), true);

    private static void twoResults(FpuState f, boolean tangent) {
        boolean empty = f.isEmpty(0);
        if (empty || (f.empty & (1 << ((f.top - 1) & 7))) == 0) {
            if (empty ? X87.underflow(f) : X87.overflow(f)) {
                f.set(0, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
                f.push(X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
            return;
        }
        SoftFloat s = f.sf;
        s.loadA80(f.sexpOf(0), f.sigOf(0));
        if (!Transcendental.trig(s, tangent ? Transcendental.TAN : Transcendental.COS)) {
            setC2(f, true);
            return;
        }
        // A NaN result (NaN operand, infinity) is what FPTAN pushes too, instead of 1.0.
        boolean nan = (s.se & 0x7FFF) == 0x7FFF && (s.m << 1) != 0;
        int pushed = tangent && !nan ? 0x3FFF : s.se;
        long pushedSig = tangent && !nan ? 1L << 63 : s.m;
        boolean up = s.roundedUp;
        if (!tangent) {
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            Transcendental.trig(s, Transcendental.SIN);
            s.roundedUp |= up;
        }
        if (X87.commit(f)) {
            f.set(0, s.se, s.m);
            X87.roundingC1(f);
            setC2(f, false);
            f.push(pushed, pushedSig);
        }
    }

    /** F2XM1: ST(0) = 2^ST(0) - 1. */
    static final Op TWO_POWER_MINUS_ONE = (c, x) -> {
        FpuState f = X87.begin(c, x);
        if (emptyTop(f)) {
            return;
        }
        SoftFloat s = f.sf;
        s.loadA80(f.sexpOf(0), f.sigOf(0));
        Transcendental.twoPowerMinusOne(s);
        if (X87.commit(f)) {
            f.set(0, s.se, s.m);
            X87.roundingC1(f);
        }
    };

    /** A two-operand form: ST(1) = f(ST(0), ST(1)), then pop. */
    private interface Binary {
        void apply(SoftFloat s);
    }

    private static Op binary(Binary op) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (f.isEmpty(0) || f.isEmpty(1)) {
                if (X87.underflow(f)) {
                    f.set(1, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
                    f.pop();
                }
                return;
            }
            SoftFloat s = f.sf;
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            s.loadB80(f.sexpOf(1), f.sigOf(1));
            op.apply(s);
            if (X87.commit(f)) {
                f.set(1, s.se, s.m);
                X87.roundingC1(f);
                f.pop();
            }
        };
    }

    /** FYL2X ({@code plusOne} false) and FYL2XP1. */
    static Op logarithm(boolean plusOne) {
        return binary(s -> Transcendental.yLog2(s, plusOne));
    }

    /** FPATAN: ST(1) = arctan(ST(1) / ST(0)), then pop. */
    static final Op ARCTANGENT = binary(Transcendental::arctangent);
}
