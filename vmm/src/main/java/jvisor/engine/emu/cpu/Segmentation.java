package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;

/**
 * Protected-mode segmentation: reading descriptors from the GDT/LDT, the checks of a segment
 * register load, and the limit and type checks of an access that left the fast path.
 */
public final class Segmentation {
    private Segmentation() { }

    /** Access-rights bits of a descriptor (VMX layout: the access byte and the flags nibble). */
    static final int AR_MASK = 0xF0FF;

    /** The access check for {@code sreg:ea} that the precomputed fast path could not decide. */
    static long checkSlow(Cpu c, int sreg, long ea, int size, boolean write) {
        SegmentRegister s = c.seg(sreg);
        int vector = sreg == Cpu.SS ? Vectors.SS : Vectors.GP;
        long last = ea + size - 1;
        long limit = s.limit() & 0xFFFF_FFFFL;
        if (!c.protectedMode()) {
            if (last > limit) {
                throw c.fault(vector, 0);
            }
            return (s.effectiveBase + ea) & c.linearMask();
        }
        if (c.mode64()) {
            return s.effectiveBase + ea;
        }
        int ar = s.access();
        if (s.unusable() || (ar & Segment.S) == 0) {
            throw c.fault(vector, 0);
        }
        boolean code = (ar & 8) != 0;
        if (code ? write || (ar & 2) == 0 : write && (ar & 2) == 0) {
            throw c.fault(vector, 0);
        }
        if (!code && (ar & 4) != 0) {
            long upper = s.big() ? 0xFFFF_FFFFL : 0xFFFF;
            if (ea <= limit || last > upper) {
                throw c.fault(vector, 0);
            }
        } else if (last > limit) {
            throw c.fault(vector, 0);
        }
        return (s.effectiveBase + ea) & c.linearMask();
    }

    // ---- descriptors -----------------------------------------------------------------------------

    /** The linear address of the descriptor {@code selector} names; #GP(selector) if outside its table. */
    static long descriptorAddress(Cpu c, int selector, int vector) {
        int offset = selector & 0xFFF8;
        long base;
        int limit;
        if ((selector & 4) != 0) {
            if (c.ldtr.unusable()) {
                throw c.fault(vector, selector & 0xFFFC);
            }
            base = c.ldtr.base();
            limit = c.ldtr.limit();
        } else {
            base = c.gdtBase;
            limit = c.gdtLimit;
        }
        if (Integer.toUnsignedLong(offset + 7) > Integer.toUnsignedLong(limit)) {
            throw c.fault(vector, selector & 0xFFFC);
        }
        return base + offset;
    }

    static long readDescriptor(Cpu c, int selector, int vector) {
        return c.mmu.readAs(descriptorAddress(c, selector, vector), 8, false);
    }

    /**
     * The descriptor for LAR, LSL, VERR and VERW, or 0 when the selector is null or outside its
     * table (these instructions report that in ZF instead of faulting).
     */
    public static long probeDescriptor(Cpu c, int selector) {
        if ((selector & 0xFFFC) == 0) {
            return 0;
        }
        int offset = selector & 0xFFF8;
        long limit = (selector & 4) != 0 ? (c.ldtr.unusable() ? -1 : c.ldtr.limit() & 0xFFFF_FFFFL) : c.gdtLimit;
        if (offset + 7L > limit) {
            return 0;
        }
        return readDescriptor(c, selector, Vectors.GP);
    }

    public static int limitOf(long d) {
        return limit(d);
    }

    public static int dplOf(long d) {
        return dpl(d);
    }

    static long base(long d) {
        return ((d >>> 16) & 0xFF_FFFFL) | ((d >>> 32) & 0xFF00_0000L);
    }

    static int limit(long d) {
        int raw = (int) ((d & 0xFFFF) | ((d >>> 32) & 0xF_0000));
        return (d & (1L << 55)) != 0 ? (raw << 12) | 0xFFF : raw;
    }

    static int access(long d) {
        return (int) (d >>> 40) & AR_MASK;
    }

    static int dpl(long d) {
        return (int) (d >>> 45) & 3;
    }

    static boolean present(long d) {
        return (d & (1L << 47)) != 0;
    }

    /** Sets the descriptor's accessed bit, as a segment load does. */
    static void markAccessed(Cpu c, int selector, long d) {
        if ((d & (1L << 40)) == 0) {
            long addr = descriptorAddress(c, selector, Vectors.GP) + 5;
            c.mmu.writeAs(addr, 1, (d >>> 40) | 1, false);
        }
    }

    static void load(SegmentRegister s, int selector, long d) {
        s.load(selector, base(d), limit(d), access(d) | 1);
    }

    // ---- segment register loads ------------------------------------------------------------------

    /** MOV/POP to DS, ES, FS or GS (and LDS/LES/LFS/LGS). */
    public static void loadData(Cpu c, int sreg, int selector) {
        selector &= 0xFFFF;
        SegmentRegister s = c.seg(sreg);
        if (!c.protectedMode() || c.flag(Flags.VM)) {
            s.loadReal(selector);
            c.updateMode();
            return;
        }
        if ((selector & 0xFFFC) == 0) {
            s.loadNull(selector);
            c.updateMode();
            return;
        }
        long d = readDescriptor(c, selector, Vectors.GP);
        int ar = access(d);
        boolean code = (ar & 8) != 0;
        boolean conforming = code && (ar & 4) != 0;
        if ((ar & Segment.S) == 0 || (code && (ar & 2) == 0)) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        if (!conforming && ((selector & 3) > dpl(d) || c.cpl() > dpl(d))) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        if (!present(d)) {
            throw c.fault(Vectors.NP, selector & 0xFFFC);
        }
        markAccessed(c, selector, d);
        load(s, selector, d);
        c.updateMode();
    }

    /** MOV/POP to SS (and LSS). */
    public static void loadStack(Cpu c, int selector) {
        selector &= 0xFFFF;
        SegmentRegister s = c.seg(Cpu.SS);
        if (!c.protectedMode() || c.flag(Flags.VM)) {
            s.loadReal(selector);
            c.updateMode();
            return;
        }
        loadStackChecked(c, selector, c.cpl());
        c.updateMode();
    }

    /** The checks of an SS load for privilege level {@code cpl} (far returns and IRET load SS for the new level). */
    static void loadStackChecked(Cpu c, int selector, int cpl) {
        SegmentRegister s = c.seg(Cpu.SS);
        if ((selector & 0xFFFC) == 0) {
            if (c.mode64() && cpl < 3 && (selector & 3) == cpl) {
                s.load(selector, 0, 0, Segment.UNUSABLE | (cpl << Segment.DPL_SHIFT) | Segment.DB);
                return;
            }
            throw c.fault(Vectors.GP, 0);
        }
        long d = readDescriptor(c, selector, Vectors.GP);
        int ar = access(d);
        boolean writableData = (ar & Segment.S) != 0 && (ar & 8) == 0 && (ar & 2) != 0;
        if ((selector & 3) != cpl || dpl(d) != cpl || !writableData) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        if (!present(d)) {
            throw c.fault(Vectors.SS, selector & 0xFFFC);
        }
        markAccessed(c, selector, d);
        load(s, selector, d);
    }

    /**
     * After a return to an outer privilege level, data segment registers the new level may not
     * use are nulled (SDM: RET/IRET "for each of ES, FS, GS, DS").
     */
    static void nullInaccessible(Cpu c) {
        for (int sreg : DATA_SEGMENTS) {
            SegmentRegister s = c.seg(sreg);
            int ar = s.access();
            boolean conformingCode = (ar & 0xC) == 0xC;
            if (!s.unusable() && (ar & Segment.S) != 0 && !conformingCode && s.dpl() < c.cpl()) {
                // In long mode FS and GS keep their base (IA32_FS_BASE/GS_BASE), as QEMU and
                // the processors kvm-unit-tests runs on do: kernel code uses it after user mode.
                long base = s.base();
                s.loadNull(0);
                if (c.longModeActive() && (sreg == Cpu.FS || sreg == Cpu.GS)) {
                    s.setBase(base);
                }
            }
        }
    }

    private static final int[] DATA_SEGMENTS = {Cpu.ES, Cpu.DS, Cpu.FS, Cpu.GS};
}
