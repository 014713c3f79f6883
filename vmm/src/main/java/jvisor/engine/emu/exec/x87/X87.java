package jvisor.engine.emu.exec.x87;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SoftFloat;

/**
 * What x87 instructions share: the start of a waiting instruction (the #NM/#MF gate, the last
 * instruction and operand pointers), committing exception flags to the status word (ES and B
 * when one is unmasked), the stack faults, and the condition codes.
 */
final class X87 {
    private X87() { }

    static final int IE = SoftFloat.IE;
    static final int DE = SoftFloat.DE;
    static final int ZE = SoftFloat.ZE;
    static final int SF = FpuState.SW_SF;
    static final int ES = FpuState.SW_ES;
    static final int B = FpuState.SW_B;
    static final int C0 = FpuState.SW_C0;
    static final int C1 = FpuState.SW_C1;
    static final int C2 = FpuState.SW_C2;
    static final int C3 = FpuState.SW_C3;

    /** The real indefinite: the QNaN invalid operations produce. */
    static final int INDEFINITE_SE = 0xFFFF;
    static final long INDEFINITE_SIG = 0xC000_0000_0000_0000L;

    /** The 11-bit opcode FOP records: the low three bits of the escape byte and the ModRM byte. */
    static int opcode(DecodedInsn i) {
        byte[] b = i.bytes;
        for (int k = 0; k + 1 < b.length; k++) {
            if ((b[k] & 0xF8) == 0xD8) {
                return ((b[k] & 7) << 8) | (b[k + 1] & 0xFF);
            }
        }
        return 0;
    }

    /**
     * A waiting non-control instruction starts: #NM and pending #MF, then FIP/FCS/FOP (and
     * FDP/FDS for a memory operand, whose offset is then in {@code lastDp}); the soft-float takes
     * the control word's rounding and masks (precision control is applied by the arithmetic).
     */
    static FpuState begin(Cpu c, Insn x) {
        X87Gate.waiting(c);
        FpuState f = c.fpu;
        f.lastIp = x.rip();
        f.lastCs = c.seg(Cpu.CS).selector();
        f.lastOpcode = (int) x.imm();
        if (x.rm() < 0) {
            f.lastDp = Operands.ea(c, x);
            f.lastDs = c.seg(x.seg()).selector();
        }
        f.sf.useControlWord(f.control);
        return f;
    }

    static boolean masked(FpuState f, int exception) {
        return (f.control & exception) != 0;
    }

    /** Raises {@code exceptions} in the status word; an unmasked one sets ES and B (#MF comes later). */
    static void raise(FpuState f, int exceptions) {
        f.status |= exceptions;
        if ((exceptions & ~f.control & SoftFloat.ALL) != 0) {
            f.status |= ES | B;
        }
    }

    /**
     * Moves the soft-float's flags into the status word. Returns false if an unmasked invalid,
     * denormal or divide-by-zero exception means no result may be written: the operation stops
     * there, so only those flags are raised and C1 is cleared. Overflow, underflow and precision
     * leave a (bias-adjusted) result to write.
     */
    static boolean commit(FpuState f) {
        return commit(f, IE | DE | ZE);
    }

    /** {@link #commit()} where only the exceptions in {@code stopping} prevent the write. */
    static boolean commit(FpuState f, int stopping) {
        int flags = f.sf.flags;
        if ((flags & ~f.control & stopping) != 0) {
            raise(f, flags & (IE | DE | ZE));
            setC1(f, false);
            return false;
        }
        raise(f, flags);
        return true;
    }

    /** C1 after a rounded result: set if it was rounded up. */
    static void roundingC1(FpuState f) {
        setC1(f, f.sf.roundedUp);
    }

    static void setC1(FpuState f, boolean on) {
        f.status = on ? f.status | C1 : f.status & ~C1;
    }

    /** Sets C3, C2, C0 (and clears C1) from the comparison result (FloatConvert order). */
    static void compareCodes(FpuState f, int order) {
        int cc = switch (order) {
            case 0 -> C0;
            case 1 -> C3;
            case 2 -> 0;
            default -> C3 | C2 | C0;
        };
        f.status = (f.status & ~(C0 | C1 | C2 | C3)) | cc;
    }

    /**
     * Stack underflow (a source register is empty): IE and SF, C1 cleared. Returns true if IE is
     * masked, so the destination takes the indefinite.
     */
    static boolean underflow(FpuState f) {
        f.status &= ~C1;
        raise(f, IE | SF);
        return masked(f, IE);
    }

    /** Stack overflow (a push onto a register in use): IE and SF, C1 set. True if masked. */
    static boolean overflow(FpuState f) {
        f.status |= C1;
        raise(f, IE | SF);
        return masked(f, IE);
    }

    /** Whether ST(7) is free for a push; if not, the overflow is raised and the indefinite pushed when masked. */
    static boolean pushable(FpuState f) {
        if ((f.empty & (1 << ((f.top - 1) & 7))) != 0) {
            return true;
        }
        if (overflow(f)) {
            f.push(INDEFINITE_SE, INDEFINITE_SIG);
        }
        return false;
    }

    /** Pushes the soft-float's F80 result, C1 cleared (the push found room). */
    static void pushResult(FpuState f) {
        f.push(f.sf.se, f.sf.m);
    }
}
