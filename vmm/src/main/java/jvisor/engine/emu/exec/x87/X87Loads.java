package jvisor.engine.emu.exec.x87;

import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F64;
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
 * Loads and stores of the register stack: FLD/FST/FSTP in single, double and extended
 * precision and between registers, FILD/FIST/FISTP/FISTTP, FBLD/FBSTP, the constants
 * (FLD1 ... FLDZ), FXCH and FFREE.
 */
final class X87Loads {
    private X87Loads() { }

    /** Checks a store's destination before anything changes, so a fault leaves the FPU as it was. */
    private static void probeStore(Cpu c, Insn x, int size) {
        long lin = c.linearWrite(x.seg(), c.fpu.lastDp, size);
        c.mmu.probeWrite(lin, size, c.cpl() == 3);
    }

    /** FLD m32fp / m64fp: converted exactly; an SNaN raises IE, a denormal DE. */
    static Op loadFloat(int fmt) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            long v = fmt == F32 ? c.read32(x.seg(), f.lastDp) & 0xFFFF_FFFFL : c.read64(x.seg(), f.lastDp);
            if (!X87.pushable(f)) {
                return;
            }
            SoftFloat s = f.sf;
            s.loadA(fmt, v);
            FloatArith.convert(s, F80);
            // An unmasked denormal-operand exception still loads the (normalized) value.
            if (X87.commit(f, SoftFloat.IE)) {
                X87.pushResult(f);
                X87.setC1(f, false);
            }
        };
    }

    /** FLD m80fp: the bits as they are, no exception. */
    static final Op LOAD_EXTENDED = (c, x) -> {
        FpuState f = X87.begin(c, x);
        long sig = c.read64(x.seg(), f.lastDp);
        int se = c.read16(x.seg(), (f.lastDp + 8) & x.addrMask());
        if (X87.pushable(f)) {
            f.push(se, sig);
            X87.setC1(f, false);
        }
    };

    /** FLD ST(i). */
    static final Op LOAD_REGISTER = (c, x) -> {
        FpuState f = X87.begin(c, x);
        int i = x.rm() & 7;
        int se = f.sexpOf(i);
        long sig = f.sigOf(i);
        if (f.isEmpty(i)) {
            if (X87.underflow(f)) {
                f.push(X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
            return;
        }
        if (!X87.pushable(f)) {
            return;
        }
        f.push(se, sig);
        X87.setC1(f, false);
    };

    /** FST/FSTP m32fp / m64fp: rounded by RC; IE for SNaN, overflow, underflow, precision. */
    static Op storeFloat(int fmt, boolean pop) {
        int size = fmt == F32 ? 4 : 8;
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            probeStore(c, x, size);
            long v;
            if (f.isEmpty(0)) {
                if (!X87.underflow(f)) {
                    return;
                }
                v = fmt == F32 ? 0xFFC0_0000L : 0xFFF8_0000_0000_0000L;
            } else {
                SoftFloat s = f.sf;
                s.loadA80(f.sexpOf(0), f.sigOf(0));
                FloatArith.convert(s, fmt);
                s.flags &= ~SoftFloat.DE;
                if (!X87.commit(f)) {
                    return;
                }
                if ((s.flags & ~f.control & (SoftFloat.OE | SoftFloat.UE)) != 0) {
                    // The value does not fit the memory format: nothing is stored.
                    X87.setC1(f, false);
                    return;
                }
                X87.roundingC1(f);
                v = s.bits;
            }
            c.write(x.seg(), f.lastDp, size, v);
            if (pop) {
                f.pop();
            }
        };
    }

    /** FSTP m80fp. */
    static final Op STORE_EXTENDED = (c, x) -> {
        FpuState f = X87.begin(c, x);
        probeStore(c, x, 10);
        int se = f.sexpOf(0);
        long sig = f.sigOf(0);
        if (f.isEmpty(0)) {
            if (!X87.underflow(f)) {
                return;
            }
            se = X87.INDEFINITE_SE;
            sig = X87.INDEFINITE_SIG;
        } else {
            X87.setC1(f, false);
        }
        c.write64(x.seg(), f.lastDp, sig);
        c.write16(x.seg(), (f.lastDp + 8) & x.addrMask(), se);
        f.pop();
    };

    /** FST/FSTP ST(i). */
    static Op storeRegister(boolean pop) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            int i = x.rm() & 7;
            if (f.isEmpty(0)) {
                if (!X87.underflow(f)) {
                    return;
                }
                f.set(i, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            } else {
                f.set(i, f.sexpOf(0), f.sigOf(0));
                X87.setC1(f, false);
            }
            if (pop) {
                f.pop();
            }
        };
    }

    /** FILD m16int / m32int / m64int: always exact. */
    static Op loadInteger(int size) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            long v = c.read(x.seg(), f.lastDp, size);
            v = size == 8 ? v : v << (64 - 8 * size) >> (64 - 8 * size);
            if (X87.pushable(f)) {
                FloatConvert.fromInt(f.sf, F80, v);
                X87.pushResult(f);
                X87.setC1(f, false);
            }
        };
    }

    /** FIST/FISTP (rounded by RC) and FISTTP (truncated): the integer indefinite when out of range. */
    static Op storeInteger(int size, boolean pop, boolean truncate) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            probeStore(c, x, size);
            long v;
            if (f.isEmpty(0)) {
                if (!X87.underflow(f)) {
                    return;
                }
                v = 1L << (8 * size - 1);
            } else {
                SoftFloat s = f.sf;
                s.loadA80(f.sexpOf(0), f.sigOf(0));
                v = FloatConvert.toInt(s, 8 * size, truncate);
                if (!X87.commit(f)) {
                    return;
                }
                X87.roundingC1(f);
            }
            c.write(x.seg(), f.lastDp, size, v);
            if (pop) {
                f.pop();
            }
        };
    }

    /** FBLD m80bcd. */
    static final Op LOAD_BCD = (c, x) -> {
        FpuState f = X87.begin(c, x);
        long low = c.read64(x.seg(), f.lastDp);
        int high = c.read16(x.seg(), (f.lastDp + 8) & x.addrMask());
        if (X87.pushable(f)) {
            X87Math.fromBcd(f.sf, low, high);
            X87.pushResult(f);
            X87.setC1(f, false);
        }
    };

    /** FBSTP m80bcd: rounded by RC; beyond 18 digits (or NaN, infinity) the BCD indefinite. */
    static final Op STORE_BCD = (c, x) -> {
        FpuState f = X87.begin(c, x);
        probeStore(c, x, 10);
        SoftFloat s = f.sf;
        if (f.isEmpty(0)) {
            if (!X87.underflow(f)) {
                return;
            }
            X87Math.bcdIndefinite(s);
        } else {
            s.loadA80(f.sexpOf(0), f.sigOf(0));
            X87Math.toBcd(s);
            if (!X87.commit(f)) {
                return;
            }
            X87.roundingC1(f);
        }
        c.write64(x.seg(), f.lastDp, s.m);
        c.write16(x.seg(), (f.lastDp + 8) & x.addrMask(), s.se);
        f.pop();
    };

    /** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: rounded by RC, no precision exception. */
    static Op constant(int which) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            if (X87.pushable(f)) {
                X87Math.constant(f.sf, which);
                X87.pushResult(f);
                X87.setC1(f, false);
            }
        };
    }

    /** FXCH ST(i): empty registers (if IE is masked) become the indefinite first. */
    static final Op EXCHANGE = (c, x) -> {
        FpuState f = X87.begin(c, x);
        int i = x.rm() & 7;
        if (f.isEmpty(0) || f.isEmpty(i)) {
            if (!X87.underflow(f)) {
                return;
            }
            if (f.isEmpty(0)) {
                f.set(0, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
            if (f.isEmpty(i)) {
                f.set(i, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
            }
        } else {
            X87.setC1(f, false);
        }
        int se = f.sexpOf(0);
        long sig = f.sigOf(0);
        f.set(0, f.sexpOf(i), f.sigOf(i));
        f.set(i, se, sig);
    };

    /** FFREE ST(i), and FFREEP (DF C0+i), which also pops. */
    static Op free(boolean pop) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            f.empty |= 1 << f.phys(x.rm() & 7);
            X87.setC1(f, false);
            if (pop) {
                f.pop();
            }
        };
    }
}
