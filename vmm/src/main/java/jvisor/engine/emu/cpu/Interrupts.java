package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;
import jvisor.engine.emu.EmuLog;

/**
 * Delivers exceptions and interrupts through the IVT (real mode) or the IDT (protected and long
 * mode): gate checks, the stack switch through the TSS (and the IST in long mode), the frame, and
 * the double- and triple-fault rules. The frame is written before any register changes, so a
 * fault during delivery leaves the processor as it was and becomes the next exception to deliver.
 */
public final class Interrupts {
    private Interrupts() { }

    /** How an event arose: it decides the privilege check on the gate and whether an error code is pushed. */
    public enum Source {
        /** A processor exception (fault or trap). */
        EXCEPTION,
        /** An external interrupt or NMI. */
        EXTERNAL,
        /** INT n, INT3, INTO: the gate's DPL must allow the current privilege level. */
        SOFTWARE,
        /** INT1 (ICEBP): delivered like an exception, without the gate's DPL check. */
        ICEBP
    }

    private static final int MAX_NESTED = 4;

    /**
     * Delivers {@code vector}; {@code returnRip} is what the frame records (the faulting
     * instruction for faults, the next one for traps and interrupts), {@code faultRip} what an
     * exception raised by the delivery itself records (the instruction that caused the event).
     * Returns false if the processor shut down (triple fault).
     */
    public static boolean deliver(Cpu c, int vector, int errorCode, Source source, long returnRip, long faultRip) {
        int v = vector;
        int code = errorCode;
        Source src = source;
        for (int attempt = 0; attempt < MAX_NESTED; attempt++) {
            try {
                deliverOnce(c, v, code, src, returnRip);
                return true;
            } catch (CpuFault f) {
                if (f.vector() == DataWatch.REPLAY) {
                    throw f; // compiled code runs the instruction again in the interpreter
                }
                if (v == Vectors.DF) {
                    return false;
                }
                boolean external = src == Source.EXTERNAL;
                int next = f.vector();
                int nextCode = f.errorCode();
                if (external && nextCode != CpuFault.NO_ERROR_CODE) {
                    nextCode |= 1;
                }
                if (Vectors.isDoubleFault(v, next)) {
                    v = Vectors.DF;
                    code = 0;
                } else {
                    v = next;
                    code = Vectors.hasErrorCode(next) ? nextCode : CpuFault.NO_ERROR_CODE;
                }
                src = Source.EXCEPTION;
                returnRip = faultRip;
            }
        }
        return false;
    }

    private static long pushedRflags(Cpu c, int vector, Source source) {
        return source == Source.EXCEPTION && Vectors.setsRf(vector) ? c.rflags() | Flags.RF : c.rflags();
    }

    private static void deliverOnce(Cpu c, int vector, int errorCode, Source source, long returnRip) {
        if (!c.protectedMode()) {
            deliverReal(c, vector, returnRip);
        } else if (c.longModeActive()) {
            deliverLong(c, vector, errorCode, source, returnRip);
        } else {
            deliverProtected(c, vector, errorCode, source, returnRip);
        }
    }

    private static void deliverReal(Cpu c, int vector, long returnRip) {
        if (vector * 4L + 3 > c.idtLimit) {
            throw c.fault(Vectors.GP, vector * 8 + 2);
        }
        long entry = c.mmu.readAs(c.idtBase + vector * 4L, 4, false);
        c.push(c.rflags() & 0xFFFF, 2);
        c.push(c.seg(Cpu.CS).selector(), 2);
        c.push(returnRip & 0xFFFF, 2);
        c.setFlag(Flags.IF | Flags.TF | Flags.AC | Flags.RF, false);
        c.seg(Cpu.CS).loadReal((int) (entry >>> 16));
        c.setRip(entry & 0xFFFF);
        c.updateMode();
    }

    private static int ext(Source s) {
        return s == Source.EXTERNAL ? 1 : 0;
    }

    /** Reads the gate for {@code vector} and applies the checks common to both protected modes. */
    private static long gate(Cpu c, int vector, Source source, int size) {
        int gateError = vector * 8 + 2 + ext(source);
        if ((long) vector * size + size - 1 > c.idtLimit) {
            throw c.fault(Vectors.GP, gateError);
        }
        long g = c.mmu.readAs(c.idtBase + (long) vector * size, 8, false);
        int type = (int) (g >>> 40) & 0x1F;
        boolean ok = size == 16 ? type == 0xE || type == 0xF : type == 6 || type == 7 || type == 0xE || type == 0xF;
        if (!ok) {
            if (type == 5 && size == 8) {
                EmuLog.once("taskgate", "an IDT task gate was used: hardware task switching is not implemented");
            }
            throw c.fault(Vectors.GP, gateError);
        }
        if (source == Source.SOFTWARE && Segmentation.dpl(g) < c.cpl()) {
            throw c.fault(Vectors.GP, vector * 8 + 2);
        }
        if (!Segmentation.present(g)) {
            throw c.fault(Vectors.NP, gateError);
        }
        return g;
    }

    /** The target code segment of a gate: present, executable, not more privileged-to-less. */
    private static long gateCodeSegment(Cpu c, int selector, Source source) {
        int e = ext(source);
        if ((selector & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, e);
        }
        long d = Segmentation.readDescriptor(c, selector, Vectors.GP);
        int ar = Segmentation.access(d);
        if ((ar & Segment.S) == 0 || (ar & 8) == 0 || Segmentation.dpl(d) > c.cpl()) {
            throw c.fault(Vectors.GP, (selector & 0xFFFC) | e);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.NP, (selector & 0xFFFC) | e);
        }
        return d;
    }

    private static void deliverProtected(Cpu c, int vector, int errorCode, Source source, long returnRip) {
        long g = gate(c, vector, source, 8);
        int type = (int) (g >>> 40) & 0xF;
        boolean gate32 = (type & 8) != 0;
        int selector = (int) (g >>> 16) & 0xFFFF;
        long offset = (g & 0xFFFF) | ((g >>> 32) & 0xFFFF_0000L);
        if (!gate32) {
            offset &= 0xFFFF;
        }
        long d = gateCodeSegment(c, selector, source);
        int dpl = Segmentation.dpl(d);
        boolean conforming = (Segmentation.access(d) & 4) != 0;
        int newCpl = conforming ? c.cpl() : dpl;
        if (offset > (Segmentation.limit(d) & 0xFFFF_FFFFL)) {
            throw c.fault(Vectors.GP, ext(source));
        }
        int size = gate32 ? 4 : 2;
        boolean pushError = source == Source.EXCEPTION && Vectors.hasErrorCode(vector)
                && errorCode != CpuFault.NO_ERROR_CODE;
        long[] frame = c.frame;
        int n = 0;
        SegmentRegister ss = c.seg(Cpu.SS);
        long newSsDesc = 0;
        int newSsSel = 0;
        long sp;
        long ssBase;
        long spMask;
        if (newCpl < c.cpl()) {
            boolean tss32 = (c.tr.type() & 8) != 0;
            long at = tss32 ? 4 + newCpl * 8L : 2 + newCpl * 4L;
            int width = tss32 ? 4 : 2;
            if (at + 2L * width - 1 > (c.tr.limit() & 0xFFFF_FFFFL)) {
                throw c.fault(Vectors.TS, c.tr.selector() & 0xFFFC);
            }
            sp = c.mmu.readAs(c.tr.base() + at, width, false);
            newSsSel = (int) c.mmu.readAs(c.tr.base() + at + width, 2, false);
            newSsDesc = innerStack(c, newSsSel, newCpl, source);
            frame[n++] = ss.selector();
            frame[n++] = c.reg(Cpu.RSP) & (ss.big() ? 0xFFFF_FFFFL : 0xFFFF);
            ssBase = Segmentation.base(newSsDesc);
            spMask = (newSsDesc & (1L << 54)) != 0 ? 0xFFFF_FFFFL : 0xFFFF;
        } else {
            sp = c.reg(Cpu.RSP);
            ssBase = ss.base();
            spMask = ss.big() ? 0xFFFF_FFFFL : 0xFFFF;
        }
        frame[n++] = pushedRflags(c, vector, source);
        frame[n++] = c.seg(Cpu.CS).selector();
        frame[n++] = returnRip;
        if (pushError) {
            frame[n++] = errorCode;
        }
        sp = writeFrame(c, frame, n, sp, spMask, ssBase, size, newCpl == 3, 0xFFFF_FFFFL);
        if (newCpl < c.cpl()) {
            Segmentation.markAccessed(c, newSsSel, newSsDesc);
            Segmentation.load(ss, (newSsSel & 0xFFFC) | newCpl, newSsDesc);
        }
        c.setReg(Cpu.RSP, (c.reg(Cpu.RSP) & ~spMask) | (sp & spMask));
        enterHandler(c, selector, d, newCpl, offset, type);
    }

    /** The stack segment from the TSS for an inner privilege level; failures are #TS. */
    private static long innerStack(Cpu c, int sel, int cpl, Source source) {
        int e = ext(source);
        if ((sel & 0xFFFC) == 0) {
            throw c.fault(Vectors.TS, e);
        }
        long d = Segmentation.readDescriptor(c, sel, Vectors.TS);
        int ar = Segmentation.access(d);
        boolean writableData = (ar & Segment.S) != 0 && (ar & 8) == 0 && (ar & 2) != 0;
        if ((sel & 3) != cpl || Segmentation.dpl(d) != cpl || !writableData) {
            throw c.fault(Vectors.TS, (sel & 0xFFFC) | e);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.SS, (sel & 0xFFFC) | e);
        }
        return d;
    }

    private static void deliverLong(Cpu c, int vector, int errorCode, Source source, long returnRip) {
        long g = gate(c, vector, source, 16);
        long high = c.mmu.readAs(c.idtBase + vector * 16L + 8, 8, false);
        int type = (int) (g >>> 40) & 0xF;
        int selector = (int) (g >>> 16) & 0xFFFF;
        long offset = (g & 0xFFFF) | ((g >>> 32) & 0xFFFF_0000L) | (high << 32);
        int ist = (int) (g >>> 32) & 7;
        long d = gateCodeSegment(c, selector, source);
        if ((d & (1L << 53)) == 0 || (d & (1L << 54)) != 0) {
            throw c.fault(Vectors.GP, (selector & 0xFFFC) | ext(source));
        }
        if ((offset << 16 >> 16) != offset) {
            throw c.fault(Vectors.GP, ext(source));
        }
        int dpl = Segmentation.dpl(d);
        boolean conforming = (Segmentation.access(d) & 4) != 0;
        int newCpl = conforming ? c.cpl() : dpl;
        long sp = c.reg(Cpu.RSP);
        if (newCpl < c.cpl() || ist != 0) {
            long at = ist != 0 ? 0x24 + (ist - 1) * 8L : 4 + newCpl * 8L;
            if (at + 7 > (c.tr.limit() & 0xFFFF_FFFFL)) {
                throw c.fault(Vectors.TS, c.tr.selector() & 0xFFFC);
            }
            sp = c.mmu.readAs(c.tr.base() + at, 8, false);
            if ((sp << 16 >> 16) != sp) {
                throw c.fault(Vectors.SS, ext(source));
            }
        }
        sp &= ~0xFL;
        long[] frame = c.frame;
        int n = 0;
        frame[n++] = c.seg(Cpu.SS).selector();
        frame[n++] = c.reg(Cpu.RSP);
        frame[n++] = pushedRflags(c, vector, source);
        frame[n++] = c.seg(Cpu.CS).selector();
        frame[n++] = returnRip;
        if (source == Source.EXCEPTION && Vectors.hasErrorCode(vector) && errorCode != CpuFault.NO_ERROR_CODE) {
            frame[n++] = errorCode & 0xFFFF_FFFFL;
        }
        sp = writeFrame(c, frame, n, sp, -1L, 0, 8, newCpl == 3, -1L);
        if (newCpl < c.cpl()) {
            c.seg(Cpu.SS).load(newCpl, 0, 0, Segment.UNUSABLE | (newCpl << Segment.DPL_SHIFT));
        }
        c.setReg(Cpu.RSP, sp);
        enterHandler(c, selector, d, newCpl, offset, type);
    }

    /**
     * Writes the frame (frame[0] is pushed first) below {@code sp} and returns the new stack
     * pointer. Every byte is checked writable before the first is written.
     */
    private static long writeFrame(Cpu c, long[] frame, int n, long sp, long spMask, long ssBase,
                                   int size, boolean user, long linMask) {
        long top = (sp - (long) n * size) & spMask;
        long lin = (ssBase + top) & linMask;
        if (linMask == -1L && ((lin << 16 >> 16) != lin || ((lin + (long) n * size) << 16 >> 16) != lin + (long) n * size)) {
            throw c.fault(Vectors.SS, 0);
        }
        c.mmu.probeWrite(lin, n * size, user);
        for (int i = 0; i < n; i++) {
            long at = (sp - (long) (i + 1) * size) & spMask;
            c.mmu.writeAt((ssBase + at) & linMask, size, frame[i], user);
        }
        return top;
    }

    private static void enterHandler(Cpu c, int selector, long d, int newCpl, long offset, int gateType) {
        Segmentation.markAccessed(c, selector, d);
        Segmentation.load(c.seg(Cpu.CS), (selector & 0xFFFC) | newCpl, d);
        c.setCpl(newCpl);
        c.setRip(offset);
        c.setFlag(Flags.TF | Flags.NT | Flags.RF | Flags.VM, false);
        if ((gateType & 1) == 0) {
            c.setFlag(Flags.IF, false);
        }
        c.updateMode();
    }
}
