package jvisor.engine.emu.exec.x87;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.fpu.FloatConvert;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SoftFloat;

/**
 * Comparisons: FCOM/FCOMP/FCOMPP and FICOM/FICOMP (any NaN is invalid), FUCOM/FUCOMP/FUCOMPP
 * (only SNaN), FCOMI/FUCOMI(P) into EFLAGS, FTST, FXAM, and the conditional moves FCMOVcc. A
 * stack underflow or an unmasked invalid operand still reports "unordered" (the pop happens only
 * if the exception is masked); an unmasked denormal operand still compares, but does not pop.
 */
final class X87Compare {
    private X87Compare() { }

    /** Marks an unfinished comparison: report unordered, do not pop. */
    private static final int STOPPED = -1;
    /** Or-ed into an order: the comparison was made but an unmasked exception keeps the stack as it is. */
    private static final int NO_POP = 0x100;

    /**
     * Compares the loaded operands. Returns the order; {@link #STOPPED} when an unmasked invalid
     * operand stops the instruction; the order with {@link #NO_POP} after an unmasked denormal.
     */
    private static int compareLoaded(FpuState f, boolean signaling) {
        SoftFloat s = f.sf;
        int order = FloatConvert.compare(s, signaling);
        int flags = s.flags;
        X87.raise(f, flags);
        f.status &= ~X87.C1;
        int unmasked = flags & ~f.control;
        if ((unmasked & SoftFloat.IE) != 0) {
            return STOPPED;
        }
        return (unmasked & SoftFloat.DE) != 0 ? order | NO_POP : order;
    }

    /** An empty operand: IE and SF; the result is unordered; returns whether the pops may happen. */
    private static boolean emptyOperand(FpuState f) {
        return X87.underflow(f);
    }

    private static void popAndReport(FpuState f, int order, int pops) {
        X87.compareCodes(f, order == STOPPED ? FloatConvert.UNORDERED : order & 3);
        if (order != STOPPED && (order & NO_POP) == 0) {
            for (int k = 0; k < pops; k++) {
                f.pop();
            }
        }
    }

    /** Compares ST(0) with ST(i), setting C3 C2 C0; {@code pops} is 0, 1 or 2. */
    static Op registers(boolean signaling, int pops) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            int i = pops == 2 ? 1 : x.rm() & 7;
            int order;
            if (f.isEmpty(0) || f.isEmpty(i)) {
                order = emptyOperand(f) ? FloatConvert.UNORDERED : STOPPED;
            } else {
                f.sf.loadA80(f.sexpOf(0), f.sigOf(0));
                f.sf.loadB80(f.sexpOf(i), f.sigOf(i));
                order = compareLoaded(f, signaling);
            }
            popAndReport(f, order, pops);
        };
    }

    /** FCOM/FCOMP m32fp/m64fp and FICOM/FICOMP m16int/m32int. */
    static Op memory(int kind, boolean pop) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            long v = X87Arith.read(c, x, f.lastDp, kind);
            int order;
            if (f.isEmpty(0)) {
                order = emptyOperand(f) ? FloatConvert.UNORDERED : STOPPED;
            } else {
                SoftFloat s = f.sf;
                s.loadA80(f.sexpOf(0), f.sigOf(0));
                X87Arith.loadMemory(s, false, v, kind);
                order = compareLoaded(f, true);
            }
            popAndReport(f, order, pop ? 1 : 0);
        };
    }

    /** FTST: ST(0) against +0.0. */
    static final Op TEST = (c, x) -> {
        FpuState f = X87.begin(c, x);
        int order;
        if (f.isEmpty(0)) {
            order = emptyOperand(f) ? FloatConvert.UNORDERED : STOPPED;
        } else {
            f.sf.loadA80(f.sexpOf(0), f.sigOf(0));
            f.sf.loadB80(0, 0);
            order = compareLoaded(f, true);
        }
        popAndReport(f, order, 0);
    };

    /** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF PF CF from the comparison, OF SF AF cleared; C1 kept. */
    static Op toFlags(boolean signaling, boolean pop) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            int i = x.rm() & 7;
            int order;
            if (f.isEmpty(0) || f.isEmpty(i)) {
                order = emptyOperand(f) ? FloatConvert.UNORDERED : STOPPED;
            } else {
                int c1 = f.status & X87.C1;
                f.sf.loadA80(f.sexpOf(0), f.sigOf(0));
                f.sf.loadB80(f.sexpOf(i), f.sigOf(i));
                order = compareLoaded(f, signaling);
                f.status |= c1;
            }
            c.flags.setBits(switch (order == STOPPED ? STOPPED : order & 3) {
                case FloatConvert.LESS -> Flags.CF;
                case FloatConvert.EQUAL -> Flags.ZF;
                case FloatConvert.GREATER -> 0L;
                default -> Flags.ZF | Flags.PF | Flags.CF;
            });
            if (pop && order != STOPPED && (order & NO_POP) == 0) {
                f.pop();
            }
        };
    }

    /** FXAM: the class of ST(0) in C3 C2 C0, its sign in C1 (also for an empty register). */
    static final Op EXAMINE = (c, x) -> {
        FpuState f = X87.begin(c, x);
        int se = f.sexpOf(0);
        long sig = f.sigOf(0);
        int e = se & 0x7FFF;
        int cc;
        if (f.isEmpty(0)) {
            cc = X87.C3 | X87.C0;
        } else if (e == 0x7FFF) {
            cc = sig >= 0 ? 0 : (sig << 1) == 0 ? X87.C2 | X87.C0 : X87.C0;
        } else if (e == 0) {
            cc = sig == 0 ? X87.C3 : X87.C3 | X87.C2;
        } else {
            cc = sig < 0 ? X87.C2 : 0;
        }
        if ((se & 0x8000) != 0) {
            cc |= X87.C1;
        }
        f.status = (f.status & ~(X87.C0 | X87.C1 | X87.C2 | X87.C3)) | cc;
    };

    /** FCMOVcc ST(0), ST(i): conditions B, E, BE, U and their negations (0-7); C1 kept. */
    static Op move(int condition) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            int i = x.rm() & 7;
            if (f.isEmpty(0) || f.isEmpty(i)) {
                if (X87.underflow(f)) {
                    f.set(0, X87.INDEFINITE_SE, X87.INDEFINITE_SIG);
                }
                return;
            }
            if (holds(c, condition)) {
                f.set(0, f.sexpOf(i), f.sigOf(i));
            }
        };
    }

    private static boolean holds(Cpu c, int condition) {
        boolean v = switch (condition & 3) {
            case 0 -> c.flags.cf();
            case 1 -> c.flags.zf();
            case 2 -> c.flags.cf() || c.flags.zf();
            default -> c.flags.pf();
        };
        return (condition & 4) != 0 ? !v : v;
    }
}
