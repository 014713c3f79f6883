package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;
import jvisor.engine.emu.EmuLog;

/**
 * Transfers that load CS: far JMP, CALL and RET, IRET, and the flag rules of POPF and IRET. Checks
 * come first and the frame is read with peeks, so a fault leaves registers unchanged.
 */
public final class FarTransfers {
    private FarTransfers() { }

    private static boolean realOrV86(Cpu c) {
        return !c.protectedMode() || c.flag(Flags.VM);
    }

    /** Checks a code-segment target of JMP/CALL far; returns its descriptor. */
    private static long directTarget(Cpu c, int selector) {
        if ((selector & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long d = Segmentation.readDescriptor(c, selector, Vectors.GP);
        int ar = Segmentation.access(d);
        int err = selector & 0xFFFC;
        if ((ar & Segment.S) == 0) {
            EmuLog.once("gate" + (ar & 0xF), "a far JMP/CALL through system descriptor type " + (ar & 0xF)
                    + " (call gate or task switch) is not implemented");
            throw c.fault(Vectors.GP, err);
        }
        if ((ar & 8) == 0) {
            throw c.fault(Vectors.GP, err);
        }
        int dpl = Segmentation.dpl(d);
        boolean conforming = (ar & 4) != 0;
        if (conforming ? dpl > c.cpl() : (selector & 3) > c.cpl() || dpl != c.cpl()) {
            throw c.fault(Vectors.GP, err);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.NP, err);
        }
        if (c.longModeActive() && (d & (1L << 53)) != 0 && (d & (1L << 54)) != 0) {
            throw c.fault(Vectors.GP, err);
        }
        return d;
    }

    /** #GP(0) if {@code offset} is not a valid instruction pointer in the segment {@code d} describes. */
    private static void checkOffset(Cpu c, long d, long offset) {
        boolean target64 = c.longModeActive() && (d & (1L << 53)) != 0;
        if (target64 ? (offset << 16 >> 16) != offset : offset > (Segmentation.limit(d) & 0xFFFF_FFFFL)) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    private static void enter(Cpu c, int selector, long d, int cpl, long offset) {
        Segmentation.markAccessed(c, selector, d);
        Segmentation.load(c.seg(Cpu.CS), (selector & 0xFFFC) | cpl, d);
        c.setCpl(cpl);
        c.setRip(offset);
        c.updateMode();
    }

    public static void jump(Cpu c, int selector, long offset) {
        selector &= 0xFFFF;
        if (realOrV86(c)) {
            c.seg(Cpu.CS).loadReal(selector);
            c.setRip(offset);
            c.updateMode();
            return;
        }
        long d = directTarget(c, selector);
        checkOffset(c, d, offset);
        enter(c, selector, d, c.cpl(), offset);
    }

    public static void call(Cpu c, int selector, long offset, int size, long returnRip) {
        selector &= 0xFFFF;
        long d = realOrV86(c) ? 0 : directTarget(c, selector);
        if (d != 0) {
            checkOffset(c, d, offset);
        }
        long savedRsp = c.reg(Cpu.RSP);
        try {
            c.push(c.seg(Cpu.CS).selector(), size);
            c.push(returnRip, size);
        } catch (CpuFault f) {
            c.setReg(Cpu.RSP, savedRsp);
            throw f;
        }
        if (d == 0) {
            c.seg(Cpu.CS).loadReal(selector);
            c.setRip(offset);
            c.updateMode();
        } else {
            enter(c, selector, d, c.cpl(), offset);
        }
    }

    /** RET far (and RETF imm16: {@code release} bytes of parameters). */
    public static void ret(Cpu c, int size, int release) {
        long ip = c.peek(0, size);
        int selector = (int) c.peek(size, size) & 0xFFFF;
        if (realOrV86(c)) {
            c.setStackPointer(c.stackPointer() + 2L * size + release);
            c.seg(Cpu.CS).loadReal(selector);
            c.setRip(ip);
            c.updateMode();
            return;
        }
        int rpl = selector & 3;
        long d = returnTarget(c, selector);
        checkOffset(c, d, ip);
        if (rpl == c.cpl()) {
            c.setStackPointer(c.stackPointer() + 2L * size + release);
            enter(c, selector, d, rpl, ip);
            return;
        }
        long sp = c.peek(2L * size + release, size);
        int ss = (int) c.peek(3L * size + release, size) & 0xFFFF;
        enterOuter(c, selector, d, rpl, ip, ss, sp + release);
    }

    /** The checks on the CS a far RET or IRET returns to. */
    private static long returnTarget(Cpu c, int selector) {
        if ((selector & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        int rpl = selector & 3;
        int err = selector & 0xFFFC;
        if (rpl < c.cpl()) {
            throw c.fault(Vectors.GP, err);
        }
        long d = Segmentation.readDescriptor(c, selector, Vectors.GP);
        int ar = Segmentation.access(d);
        if ((ar & Segment.S) == 0 || (ar & 8) == 0) {
            throw c.fault(Vectors.GP, err);
        }
        int dpl = Segmentation.dpl(d);
        if ((ar & 4) != 0 ? dpl > rpl : dpl != rpl) {
            throw c.fault(Vectors.GP, err);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.NP, err);
        }
        if (c.longModeActive() && (d & (1L << 53)) != 0 && (d & (1L << 54)) != 0) {
            throw c.fault(Vectors.GP, err);
        }
        return d;
    }

    /** Completes a return to privilege level {@code cpl} with the stack SS:sp it popped. */
    private static void enterOuter(Cpu c, int selector, long d, int cpl, long ip, int ss, long sp) {
        boolean target64 = c.longModeActive() && (d & (1L << 53)) != 0;
        SegmentRegister stack = c.seg(Cpu.SS);
        if ((ss & 0xFFFC) == 0 && target64 && cpl < 3 && (ss & 3) == cpl) {
            stack.load(ss, 0, 0, Segment.UNUSABLE | (cpl << Segment.DPL_SHIFT));
        } else {
            Segmentation.loadStackChecked(c, ss, cpl);
        }
        enter(c, selector, d, cpl, ip);
        c.setReg(Cpu.RSP, sp);
        if (c.stackSize() == 4) {
            c.setReg(Cpu.RSP, sp & 0xFFFF_FFFFL);
        } else if (c.stackSize() == 2) {
            c.setStackPointer(sp);
        }
        Segmentation.nullInaccessible(c);
        c.updateMode();
    }

    public static void iret(Cpu c, int size) {
        if (realOrV86(c)) {
            if (c.flag(Flags.VM)) {
                throw c.fault(Vectors.GP, 0);
            }
            long ip = c.peek(0, size);
            int selector = (int) c.peek(size, size) & 0xFFFF;
            long fl = c.peek(2L * size, size);
            c.setStackPointer(c.stackPointer() + 3L * size);
            c.seg(Cpu.CS).loadReal(selector);
            c.setRip(ip);
            loadFlags(c, fl, size, 0, true);
            c.updateMode();
            return;
        }
        if (c.flag(Flags.NT)) {
            if (!c.longModeActive()) {
                EmuLog.once("iretnt", "IRET with NT set (a task return) is not implemented");
            }
            throw c.fault(Vectors.GP, 0);
        }
        long ip = c.peek(0, size);
        int selector = (int) c.peek(size, size) & 0xFFFF;
        long fl = c.peek(2L * size, size);
        if ((fl & Flags.VM) != 0 && c.cpl() == 0 && !c.longModeActive() && size == 4) {
            EmuLog.once("v86", "IRET to virtual-8086 mode is not implemented");
            throw c.fault(Vectors.GP, 0);
        }
        int oldCpl = c.cpl();
        int rpl = selector & 3;
        long d = returnTarget(c, selector);
        checkOffset(c, d, ip);
        if (rpl == oldCpl && !c.mode64()) {
            c.setStackPointer(c.stackPointer() + 3L * size);
            loadFlags(c, fl, size, oldCpl, true);
            enter(c, selector, d, rpl, ip);
            return;
        }
        long sp = c.peek(3L * size, size);
        int ss = (int) c.peek(4L * size, size) & 0xFFFF;
        long savedFlags = c.rflags();
        loadFlags(c, fl, size, oldCpl, true);
        try {
            if (rpl == oldCpl) {
                sameLevelStack(c, ss, rpl, d);
                enter(c, selector, d, rpl, ip);
                c.setReg(Cpu.RSP, sp);
                c.updateMode();
            } else {
                enterOuter(c, selector, d, rpl, ip, ss, sp);
            }
        } catch (CpuFault f) {
            c.setRflags(savedFlags);
            throw f;
        }
    }

    /** IRETQ in 64-bit mode pops SS:RSP even without a privilege change. */
    private static void sameLevelStack(Cpu c, int ss, int cpl, long codeDesc) {
        boolean target64 = (codeDesc & (1L << 53)) != 0;
        if ((ss & 0xFFFC) == 0 && target64 && cpl < 3 && (ss & 3) == cpl) {
            c.seg(Cpu.SS).load(ss, 0, 0, Segment.UNUSABLE | (cpl << Segment.DPL_SHIFT));
        } else {
            Segmentation.loadStackChecked(c, ss, cpl);
        }
    }

    /**
     * Loads flags popped by POPF or IRET at privilege level {@code cpl}: IOPL only at CPL 0, IF
     * only when CPL <= IOPL, VM never here; 16-bit forms keep the upper half.
     */
    public static void loadFlags(Cpu c, long v, int size, int cpl, boolean iret) {
        long mask = Flags.ARITH | Flags.TF | Flags.DF | Flags.NT;
        if (size >= 4) {
            mask |= Flags.RF | Flags.AC | Flags.ID;
            if (iret && cpl == 0 && c.protectedMode()) {
                mask |= Flags.VIF | Flags.VIP;
            }
        }
        boolean real = !c.protectedMode();
        if (real || cpl == 0) {
            mask |= Flags.IOPL;
        }
        if (real || cpl <= c.iopl()) {
            mask |= Flags.IF;
        }
        long old = c.rflags();
        long next = (old & ~mask) | (v & mask);
        if (!iret) {
            next &= ~Flags.RF;
        }
        c.setRflags(next);
    }
}
