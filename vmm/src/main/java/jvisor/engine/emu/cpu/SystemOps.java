package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;
import jvisor.engine.emu.fpu.XsaveLayout;

/**
 * Writes to the registers that change how the processor works: CR0/CR3/CR4/CR8, EFER, the debug
 * registers and the descriptor-table registers, with the architectural checks (#GP on reserved
 * bits and illegal combinations) and the mode switches they cause (long-mode activation).
 */
public final class SystemOps {
    private SystemOps() { }

    /** CR4 bits this processor implements. OSFXSR/OSXMMEXCPT are accepted so SSE set-up code does not #GP. */
    static final long CR4_VALID = Cpu.CR4_TSD | Cpu.CR4_DE | Cpu.CR4_PSE | Cpu.CR4_PAE | Cpu.CR4_PGE
            | Cpu.CR4_PCE | (1L << 9) | (1L << 10) | Cpu.CR4_UMIP | Cpu.CR4_OSXSAVE | Cpu.CR4_SMEP | Cpu.CR4_SMAP
            | Cpu.CR4_PKE | Cpu.CR4_PKS;
    /** CR4 bits that change what a cached translation allows: a change drops the TLB. */
    private static final long CR4_PAGING = Cpu.CR4_PSE | Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_SMEP | Cpu.CR4_SMAP
            | Cpu.CR4_PKE | Cpu.CR4_PKS;
    static final long EFER_VALID = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE;
    private static final long CR0_FIXED = Cpu.CR0_ET;

    /** SGDT, SIDT, SLDT, STR and SMSW outside ring 0 with CR4.UMIP set raise #GP(0). */
    public static void checkUmip(Cpu c) {
        if ((c.cr4 & Cpu.CR4_UMIP) != 0 && c.cpl() > 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    /** Privileged instructions outside ring 0 of protected mode raise #GP(0). */
    public static void requireRing0(Cpu c) {
        if (c.protectedMode() && c.cpl() != 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    public static void writeCr0(Cpu c, long v) {
        if ((v >>> 32) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        v |= CR0_FIXED;
        boolean pg = (v & Cpu.CR0_PG) != 0;
        if ((pg && (v & Cpu.CR0_PE) == 0) || ((v & Cpu.CR0_NW) != 0 && (v & Cpu.CR0_CD) == 0)) {
            throw c.fault(Vectors.GP, 0);
        }
        long old = c.cr0;
        boolean wasPg = (old & Cpu.CR0_PG) != 0;
        if (pg && !wasPg && (c.efer & Cpu.EFER_LME) != 0) {
            if ((c.cr4 & Cpu.CR4_PAE) == 0 || c.seg(Cpu.CS).longMode()) {
                throw c.fault(Vectors.GP, 0);
            }
            c.efer |= Cpu.EFER_LMA;
        } else if (!pg && wasPg && (c.efer & Cpu.EFER_LMA) != 0) {
            if (c.mode64()) {
                throw c.fault(Vectors.GP, 0);
            }
            c.efer &= ~Cpu.EFER_LMA;
        }
        if ((old & Cpu.CR0_PE) != 0 && (v & Cpu.CR0_PE) == 0) {
            c.setCpl(0);
        }
        c.cr0 = v;
        if (((old ^ v) & (Cpu.CR0_PG | Cpu.CR0_PE | Cpu.CR0_WP)) != 0) {
            c.configurePaging();
            c.mmu.flushAll();
        }
        c.updateMode();
    }

    /** LMSW: only the low four bits, and PE can be set but not cleared. */
    public static void lmsw(Cpu c, int v) {
        long low = v & 0xF;
        long keepPe = c.cr0 & Cpu.CR0_PE;
        writeCr0(c, (c.cr0 & ~0xFL) | low | keepPe);
    }

    public static void writeCr3(Cpu c, long v) {
        if (c.longModeActive() && (v >>> PageWalker.MAX_PHYS_BITS) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.cr3 = c.longModeActive() ? v : v & 0xFFFF_FFFFL;
        c.configurePaging();
        c.mmu.flushNonGlobal((c.cr4 & Cpu.CR4_PGE) != 0);
    }

    public static void writeCr4(Cpu c, long v) {
        if ((v & ~CR4_VALID) != 0 || (c.longModeActive() && (v & Cpu.CR4_PAE) == 0)) {
            throw c.fault(Vectors.GP, 0);
        }
        long old = c.cr4;
        c.cr4 = v;
        if (((old ^ v) & CR4_PAGING) != 0) {
            c.configurePaging();
            c.mmu.flushAll();
        }
    }

    /** XGETBV: #UD without CR4.OSXSAVE; XCR0 is the only extended control register (XGETBV1 is not offered). */
    public static long xgetbv(Cpu c, int index) {
        requireOsxsave(c);
        if (index != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return c.xcr0;
    }

    /** XSETBV: ring 0 only; XCR0 must keep x87 and enable nothing this processor lacks. */
    public static void xsetbv(Cpu c, int index, long v) {
        requireOsxsave(c);
        requireRing0(c);
        if (index != 0 || (v & XsaveLayout.X87) == 0 || (v & ~XsaveLayout.SUPPORTED) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.xcr0 = v;
    }

    /** XSAVE, XRSTOR, XGETBV and XSETBV are #UD until the operating system sets CR4.OSXSAVE. */
    public static void requireOsxsave(Cpu c) {
        if ((c.cr4 & Cpu.CR4_OSXSAVE) == 0) {
            throw c.fault(Vectors.UD);
        }
    }

    /** RDPKRU and WRPKRU are #UD without CR4.PKE. */
    public static void requirePke(Cpu c) {
        if ((c.cr4 & Cpu.CR4_PKE) == 0) {
            throw c.fault(Vectors.UD);
        }
    }

    /** Loads PKRU (WRPKRU, XRSTOR): translations cached under the old rights of a key it changes go. */
    public static void writePkru(Cpu c, int v) {
        int old = c.pkru;
        c.pkru = v;
        c.mmu.protectionKeyRightsChanged(true, old, v);
    }

    /** Loads IA32_PKRS (WRMSR), as {@link #writePkru} for supervisor pages. */
    static void writePkrs(Cpu c, int v) {
        int old = c.pkrs;
        c.pkrs = v;
        c.mmu.protectionKeyRightsChanged(false, old, v);
    }

    /** CR8 is the local APIC's task priority (TPR bits 7:4). */
    public static void writeCr8(Cpu c, long v) {
        if ((v & ~0xFL) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.lapic().setTaskPriority((int) (v & 0xF) << 4);
    }

    public static long readCr8(Cpu c) {
        return (c.lapic().taskPriority() >>> 4) & 0xF;
    }

    static void writeEfer(Cpu c, long v) {
        if ((v & ~EFER_VALID) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        boolean paging = (c.cr0 & Cpu.CR0_PG) != 0;
        if (paging && ((v ^ c.efer) & Cpu.EFER_LME) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long old = c.efer;
        c.efer = (v & ~Cpu.EFER_LMA) | (old & Cpu.EFER_LMA);
        if (((old ^ c.efer) & Cpu.EFER_NXE) != 0) {
            c.configurePaging();
            c.mmu.flushAll();
        }
        c.updateMode();
    }

    public static long readDr(Cpu c, int n) {
        int i = debugIndex(c, n);
        c.debug.checkGeneralDetect();
        return c.debug.read(i);
    }

    public static void writeDr(Cpu c, int n, long v) {
        int i = debugIndex(c, n);
        c.debug.checkGeneralDetect();
        c.debug.write(i, v);
    }

    /** DR4 and DR5 are DR6 and DR7 unless CR4.DE is set, which makes them #UD. */
    private static int debugIndex(Cpu c, int n) {
        if (n == 4 || n == 5) {
            if ((c.cr4 & Cpu.CR4_DE) != 0) {
                throw c.fault(Vectors.UD);
            }
            return n + 2;
        }
        return n;
    }

    public static void loadGdt(Cpu c, long base, int limit) {
        c.gdtBase = base;
        c.gdtLimit = limit & 0xFFFF;
    }

    public static void loadIdt(Cpu c, long base, int limit) {
        c.idtBase = base;
        c.idtLimit = limit & 0xFFFF;
    }

    /** LLDT. */
    public static void loadLdt(Cpu c, int selector) {
        selector &= 0xFFFF;
        if ((selector & 0xFFFC) == 0) {
            c.ldtr.loadNull(selector);
            return;
        }
        if ((selector & 4) != 0) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        long addr = Segmentation.descriptorAddress(c, selector, Vectors.GP);
        long d = c.mmu.readAs(addr, 8, false);
        if ((Segmentation.access(d) & 0x1F) != Segment.TYPE_LDT) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.NP, selector & 0xFFFC);
        }
        long base = Segmentation.base(d);
        if (c.longModeActive()) {
            base |= readHighBase(c, selector, addr);
        }
        c.ldtr.load(selector, base, Segmentation.limit(d), Segmentation.access(d));
    }

    /** LTR: the descriptor must be an available TSS; it becomes busy. */
    public static void loadTr(Cpu c, int selector) {
        selector &= 0xFFFF;
        if ((selector & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        if ((selector & 4) != 0) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        long addr = Segmentation.descriptorAddress(c, selector, Vectors.GP);
        long d = c.mmu.readAs(addr, 8, false);
        int type = Segmentation.access(d) & 0x1F;
        boolean ok = c.longModeActive() ? type == 9 : type == 1 || type == 9;
        if (!ok) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        if (!Segmentation.present(d)) {
            throw c.fault(Vectors.NP, selector & 0xFFFC);
        }
        long base = Segmentation.base(d);
        if (c.longModeActive()) {
            base |= readHighBase(c, selector, addr);
        }
        c.mmu.writeAs(addr + 5, 1, (d >>> 40) | 2, false);
        c.tr.load(selector, base, Segmentation.limit(d), Segmentation.access(d) | 2);
    }

    private static long readHighBase(Cpu c, int selector, long addr) {
        if (Integer.toUnsignedLong((selector & 0xFFF8) + 15) > Integer.toUnsignedLong(c.gdtLimit)) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        long high = c.mmu.readAs(addr + 8, 8, false);
        long base = (high & 0xFFFF_FFFFL) << 32;
        if ((base << 16 >> 16) != base) {
            throw c.fault(Vectors.GP, selector & 0xFFFC);
        }
        return base;
    }

    /** SWAPGS: 64-bit mode, ring 0. */
    public static void swapgs(Cpu c) {
        if (!c.mode64()) {
            throw c.fault(Vectors.UD);
        }
        requireRing0(c);
        long kernel = c.msrs.kernelGsBase();
        c.msrs.setKernelGsBase(c.seg(Cpu.GS).base());
        c.seg(Cpu.GS).setBase(kernel);
        c.updateMode();
    }

    /**
     * The I/O permission check of IN/OUT/INS/OUTS: free when CPL <= IOPL, otherwise every port of
     * the access must be clear in the TSS's I/O bitmap (#GP(0) if not, or if there is none).
     */
    public static void checkIoPermission(Cpu c, int port, int size) {
        if (!c.protectedMode() || (c.cpl() <= c.iopl() && !c.flag(Flags.VM))) {
            return;
        }
        SegmentRegister tr = c.tr;
        long limit = tr.limit() & 0xFFFF_FFFFL;
        if (tr.unusable() || (tr.type() & 7) != 3 || (tr.type() & 8) == 0 || limit < 0x67) {
            throw c.fault(Vectors.GP, 0);
        }
        long mapBase = c.mmu.readAs(tr.base() + 0x66, 2, false);
        long first = mapBase + (port >>> 3);
        long last = mapBase + ((port + size - 1) >>> 3);
        if (last > limit) {
            throw c.fault(Vectors.GP, 0);
        }
        long bits = c.mmu.readAs(tr.base() + first, 2, false);
        int mask = ((1 << size) - 1) << (port & 7);
        if ((bits & mask) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }
}
