package jvisor.engine.emu.exec.x87;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.X87Environment;

/**
 * The control instructions, which leave the last-instruction pointers alone: FNINIT, FNCLEX,
 * FLDCW, FNSTCW, FNSTSW, FNSTENV/FLDENV, FNSAVE/FRSTOR (the no-wait forms; FINIT and friends are
 * FWAIT followed by these), FWAIT itself, and the stack-pointer instructions FINCSTP/FDECSTP and
 * FNOP, which do update them.
 */
final class X87Control {
    private X87Control() { }

    static final Op INIT = (c, x) -> {
        X87Gate.noWait(c);
        c.fpu.initX87();
    };

    static final Op CLEAR_EXCEPTIONS = (c, x) -> {
        X87Gate.noWait(c);
        c.fpu.status &= ~(0x7F | X87.ES | X87.B);
    };

    /** FNENI, FNDISI, FNSETPM: 8087/80287 leftovers that do nothing now. */
    static final Op LEGACY_NOP = (c, x) -> X87Gate.noWait(c);

    static final Op WAIT = (c, x) -> X87Gate.fwait(c);

    /** FNOP, FINCSTP, FDECSTP: waiting, non-control. */
    static Op stackPointer(int delta) {
        return (c, x) -> {
            FpuState f = X87.begin(c, x);
            f.top = (f.top + delta) & 7;
            X87.setC1(f, false);
        };
    }

    static final Op NOP = (c, x) -> X87.begin(c, x);

    /** FLDCW: a waiting control instruction; unmasking a raised exception makes it pending. */
    static final Op LOAD_CONTROL = (c, x) -> {
        X87Gate.waiting(c);
        FpuState f = c.fpu;
        f.control = (c.read16(x.seg(), Operands.ea(c, x)) & FpuState.FCW_BITS) | FpuState.FCW_ONES;
        f.updateErrorSummary();
    };

    static final Op STORE_CONTROL = (c, x) -> {
        X87Gate.noWait(c);
        c.write16(x.seg(), Operands.ea(c, x), c.fpu.control);
    };

    static final Op STORE_STATUS = (c, x) -> {
        X87Gate.noWait(c);
        c.write16(x.seg(), Operands.ea(c, x), c.fpu.statusWord());
    };

    static final Op STORE_STATUS_AX = (c, x) -> {
        X87Gate.noWait(c);
        c.setReg(Cpu.RAX, 2, c.fpu.statusWord());
    };

    private static boolean realMode(Cpu c) {
        return !c.protectedMode() || c.flag(Flags.VM);
    }

    private static boolean wide(Insn x) {
        return x.opSize() != 2;
    }

    /** Writes the first {@code n} bytes of the scratch image to memory, checked first so a fault changes nothing. */
    private static void writeImage(Cpu c, Insn x, long ea, int n) {
        long lin = c.linearWrite(x.seg(), ea, n);
        c.mmu.probeWrite(lin, n, c.cpl() == 3);
        byte[] b = c.fpu.image;
        for (int k = 0; k < n; k += 2) {
            c.write16(x.seg(), (ea + k) & x.addrMask(), (b[k] & 0xFF) | (b[k + 1] & 0xFF) << 8);
        }
    }

    private static void readImage(Cpu c, Insn x, long ea, int n) {
        c.linearRead(x.seg(), ea, n);
        byte[] b = c.fpu.image;
        for (int k = 0; k < n; k += 2) {
            int v = c.read16(x.seg(), (ea + k) & x.addrMask());
            b[k] = (byte) v;
            b[k + 1] = (byte) (v >>> 8);
        }
    }

    /** FNSTENV: stores the environment, then masks every exception. */
    static final Op STORE_ENVIRONMENT = (c, x) -> {
        X87Gate.noWait(c);
        FpuState f = c.fpu;
        X87Environment.store(f, f.image, wide(x), realMode(c));
        writeImage(c, x, Operands.ea(c, x), X87Environment.size(wide(x)));
        f.control |= 0x3F;
    };

    static final Op LOAD_ENVIRONMENT = (c, x) -> {
        X87Gate.waiting(c);
        readImage(c, x, Operands.ea(c, x), X87Environment.size(wide(x)));
        X87Environment.load(c.fpu, c.fpu.image, wide(x), realMode(c));
    };

    /** FNSAVE: stores environment and registers, then reinitializes as FNINIT does. */
    static final Op SAVE = (c, x) -> {
        X87Gate.noWait(c);
        FpuState f = c.fpu;
        X87Environment.save(f, f.image, wide(x), realMode(c));
        writeImage(c, x, Operands.ea(c, x), X87Environment.saveSize(wide(x)));
        f.initX87();
    };

    static final Op RESTORE = (c, x) -> {
        X87Gate.waiting(c);
        readImage(c, x, Operands.ea(c, x), X87Environment.saveSize(wide(x)));
        X87Environment.restore(c.fpu, c.fpu.image, wide(x), realMode(c));
    };
}
