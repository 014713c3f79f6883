package jvisor.engine.emu.exec.x87;

import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F80;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.fpu.FloatArith;
import jvisor.engine.emu.fpu.FloatConvert;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SoftFloat;
import jvisor.engine.emu.fpu.X87Math;

/**
 * x87 arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR in every form (ST(0) with ST(i), ST(i) with
 * ST(0), the popping P forms, memory single/double and 16/32-bit integer operands), and the
 * one-register operations FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1.
 */
final class X87Arith {
    private X87Arith() { }

    /** The operation numbers are the ModRM reg field of D8 (and of the memory forms). */
    static final int ADD = 0;
    static final int MUL = 1;
    static final int SUB = 4;
    static final int SUBR = 5;
    static final int DIV = 6;
    static final int DIVR = 7;

    /** Integer memory operands (FIADD ...): sizes in bytes tagged apart from the float formats. */
    static final int INT16 = 16;
    static final int INT32 = 32;

    private static void compute(SoftFloat s, int op) {
        switch (op) {
            case ADD -> FloatArith.add(s, F80, false);
            case MUL -> FloatArith.multiply(s, F80);
            case SUB, SUBR -> FloatArith.add(s, F80, true);
            default -> FloatArith.divide(s, F80);
        }
    }

    private static boolean reversed(int op) {
        return op == SUBR || op == DIVR;
    }

    /** An empty source: the destination becomes the indefinite if IE is masked; returns whether to pop. */
    private static boolean emptySource(FpuState f, int dst) {
        if (!X87.underflow(f)) {
            return false;
        }
        f.set(dst, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
        return true;
    }

    /**
     * The register forms: {@code ST(dst) = ST(a) op ST(b)} where the D8 forms have a = dst = 0,
     * b = i and the DC/DE forms a = dst = i, b = 0 (their ModRM encodes SUB/SUBR and DIV/DIVR
     * the other way round; the caller has already swapped them).
     */
    static Op registers(int op, boolean toSti, boolean pop) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            int i = x.rm() & 7;
            int dst = toSti ? i : 0;
            int other = toSti ? 0 : i;
            if (f.isEmpty(0) || f.isEmpty(i)) {
                if (emptySource(f, dst) && pop) {
                    f.pop();
                }
                return;
            }
            SoftFloat s = f.sf;
            s.precision = SoftFloat.precisionControl(f.control);
            int first = reversed(op) ? other : dst;
            int second = reversed(op) ? dst : other;
            s.loadA80(f.sexpOf(first), f.sigOf(first));
            s.loadB80(f.sexpOf(second), f.sigOf(second));
            compute(s, op);
            if (X87.commit(f)) {
                f.set(dst, s.se, s.m);
                X87.roundingC1(f);
                if (pop) {
                    f.pop();
                }
            }
        };
    }

    /** The memory forms: ST(0) = ST(0) op m32fp/m64fp/m16int/m32int. */
    static Op memory(int op, int kind) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            long v = read(c, x, f.lastDp, kind);
            if (f.isEmpty(0)) {
                emptySource(f, 0);
                return;
            }
            SoftFloat s = f.sf;
            if (reversed(op)) {
                loadMemory(s, true, v, kind);
                s.loadB80(f.sexpOf(0), f.sigOf(0));
            } else {
                s.loadA80(f.sexpOf(0), f.sigOf(0));
                loadMemory(s, false, v, kind);
            }
            s.precision = SoftFloat.precisionControl(f.control);
            compute(s, op);
            if (X87.commit(f)) {
                f.set(0, s.se, s.m);
                X87.roundingC1(f);
            }
        };
    }

    static long read(Cpu c, Insn x, long ea, int kind) {
        return switch (kind) {
            case INT16 -> (short) c.read16(x.seg(), ea);
            case INT32, F32 -> c.read32(x.seg(), ea);
            default -> c.read64(x.seg(), ea);
        };
    }

    /** Loads a memory operand: floats keep SNaN and denormal status; integers convert exactly (at 64 bits). */
    static void loadMemory(SoftFloat s, boolean intoA, long v, int kind) {
        if (kind == INT16 || kind == INT32) {
            FloatConvert.fromInt(s, F80, v);
            if (intoA) {
                s.loadA80(s.se, s.m);
            } else {
                s.loadB80(s.se, s.m);
            }
        } else if (intoA) {
            s.loadA(kind, kind == F32 ? v & 0xFFFF_FFFFL : v);
        } else {
            s.loadB(kind, kind == F32 ? v & 0xFFFF_FFFFL : v);
        }
    }

    /** FCHS and FABS: only the sign changes; no exception but stack underflow. */
    static Op sign(boolean absolute) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (f.isEmpty(0)) {
                emptySource(f, 0);
                return;
            }
            int se = f.sexpOf(0);
            f.set(0, absolute ? se & 0x7FFF : se ^ 0x8000, f.sigOf(0));
            X87.setC1(f, false);
        };
    }

    /** One-operand operations on ST(0): FSQRT, FRNDINT. */
    static Op unary(boolean sqrt) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (f.isEmpty(0)) {
                emptySource(f, 0);
                return;
            }
            SoftFloat s = f.sf;
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            if (sqrt) {
                s.precision = SoftFloat.precisionControl(f.control);
                FloatArith.sqrt(s, F80);
            } else {
                FloatConvert.roundToIntegral(s, F80, s.rounding, true);
            }
            if (X87.commit(f)) {
                f.set(0, s.se, s.m);
                X87.roundingC1(f);
            }
        };
    }

    /** FSCALE: ST(0) = ST(0) * 2^trunc(ST(1)). */
    static final Op SCALE = (c, x) -> {
        FpuState f = X87.begin(c, x);
        if (f.isEmpty(0) || f.isEmpty(1)) {
            emptySource(f, 0);
            return;
        }
        SoftFloat s = f.sf;
        s.loadA80(f.sexpOf(0), f.sigOf(0));
        s.loadB80(f.sexpOf(1), f.sigOf(1));
        X87Math.scale(s);
        if (X87.commit(f)) {
            f.set(0, s.se, s.m);
            X87.roundingC1(f);
        }
    };

    /** FXTRACT: ST(0) becomes the exponent, the significand is pushed. */
    static final Op EXTRACT = (c, x) -> {
        FpuState f = X87.begin(c, x);
        if (f.isEmpty(0)) {
            if (emptySource(f, 0)) {
                f.push(X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
            return;
        }
        if ((f.empty & (1 << ((f.top - 1) & 7))) == 0) {
            if (X87.overflow(f)) {
                f.set(0, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
                f.push(X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
            return;
        }
        SoftFloat s = f.sf;
        s.loadA80(f.sexpOf(0), f.sigOf(0));
        X87Math.extract(s);
        if (X87.commit(f)) {
            f.set(0, s.se, s.m);
            f.push(s.se2, s.m2);
            X87.setC1(f, false);
        }
    };

    /** FPREM and FPREM1: C2 set while incomplete, otherwise C0 C3 C1 = the quotient's low bits. */
    static Op remainder(boolean ieee) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (f.isEmpty(0) || f.isEmpty(1)) {
                emptySource(f, 0);
                f.status &= ~X87.C2;
                return;
            }
            SoftFloat s = f.sf;
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            s.loadB80(f.sexpOf(1), f.sigOf(1));
            int q = X87Math.remainder(s, ieee);
            boolean written = X87.commit(f);
            if (written) {
                f.set(0, s.se, s.m);
            }
            if (!written || q == X87Math.NO_QUOTIENT) {
                f.status &= ~(X87.C1 | X87.C2);
                return;
            }
            int cc = q < 0 ? X87.C2 : ((q & 4) != 0 ? X87.C0 : 0) | ((q & 2) != 0 ? X87.C3 : 0)
                    | ((q & 1) != 0 ? X87.C1 : 0);
            f.status = (f.status & ~(X87.C0 | X87.C1 | X87.C2 | X87.C3)) | cc;
        };
    }
}
