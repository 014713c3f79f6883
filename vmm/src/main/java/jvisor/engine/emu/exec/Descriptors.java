package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.KvmParavirtCalls;
import jvisor.engine.emu.cpu.Segmentation;
import jvisor.engine.emu.cpu.SystemOps;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;

/** The descriptor-table instructions: 0F 00 (SLDT STR LLDT LTR VERR VERW), 0F 01 (SGDT SIDT LGDT LIDT SMSW LMSW INVLPG SWAPGS RDTSCP), LAR, LSL. */
final class Descriptors {
    private Descriptors() { }

    private static void requireProtected(Cpu c) {
        if (!c.protectedMode() || c.flag(Flags.VM)) {
            throw c.fault(Vectors.UD);
        }
    }

    static Op group6(DecodedInsn i) {
        return switch (i.sub) {
            case 0 -> STORE_LDTR;
            case 1 -> STORE_TR;
            case 2 -> LLDT;
            case 3 -> LTR;
            case 4 -> verify(false);
            case 5 -> verify(true);
            default -> null;
        };
    }

    /** SLDT/STR write 16 bits to memory, or the zero-extended selector to a register. */
    private static void storeSelector(Cpu c, Insn x, int selector) {
        if (x.rm() >= 0) {
            c.setReg(x.rm(), x.opSize(), selector);
        } else {
            c.write16(x.seg(), Operands.ea(c, x), selector);
        }
    }

    private static final Op STORE_LDTR = (c, x) -> {
        requireProtected(c);
        SystemOps.checkUmip(c);
        storeSelector(c, x, c.ldtr.selector());
    };

    private static final Op STORE_TR = (c, x) -> {
        requireProtected(c);
        SystemOps.checkUmip(c);
        storeSelector(c, x, c.tr.selector());
    };

    private static final Op LLDT = (c, x) -> {
        requireProtected(c);
        SystemOps.requireRing0(c);
        SystemOps.loadLdt(c, (int) Operands.readRm(c, x, 2));
    };

    private static final Op LTR = (c, x) -> {
        requireProtected(c);
        SystemOps.requireRing0(c);
        SystemOps.loadTr(c, (int) Operands.readRm(c, x, 2));
    };

    /** Whether code at the current privilege may see the segment {@code d} through {@code selector}. */
    private static boolean visible(Cpu c, int selector, long d) {
        int ar = (int) (d >>> 40);
        boolean conformingCode = (ar & 0x1C) == 0x1C;
        int dpl = Segmentation.dplOf(d);
        return conformingCode || (dpl >= c.cpl() && dpl >= (selector & 3));
    }

    private static Op verify(boolean write) {
        return (c, x) -> {
            requireProtected(c);
            int selector = (int) Operands.readRm(c, x, 2);
            long d = Segmentation.probeDescriptor(c, selector);
            int ar = (int) (d >>> 40);
            boolean ok = d != 0 && (ar & 0x10) != 0 && visible(c, selector, d);
            if (ok) {
                boolean code = (ar & 8) != 0;
                ok = write ? !code && (ar & 2) != 0 : !code || (ar & 2) != 0;
            }
            setZf(c, ok);
        };
    }

    private static void setZf(Cpu c, boolean on) {
        long kept = c.flags.bits() & ~Flags.ZF;
        c.flags.setBits(kept | (on ? Flags.ZF : 0));
    }

    /** System descriptor types LAR (limit=false) or LSL (limit=true) accept. */
    private static boolean systemTypeOk(Cpu c, int type, boolean limit) {
        if (c.longModeActive()) {
            return type == 2 || type == 9 || type == 0xB || (!limit && type == 0xC);
        }
        return switch (type) {
            case 1, 2, 3, 9, 0xB -> true;
            case 4, 5, 0xC -> !limit;
            default -> false;
        };
    }

    private static Op accessQuery(boolean limit) {
        return (c, x) -> {
            requireProtected(c);
            int selector = (int) Operands.readRm(c, x, 2);
            long d = Segmentation.probeDescriptor(c, selector);
            int ar = (int) (d >>> 40);
            boolean ok = d != 0 && visible(c, selector, d)
                    && ((ar & 0x10) != 0 || systemTypeOk(c, ar & 0xF, limit));
            if (ok) {
                long v = limit ? Segmentation.limitOf(d) & 0xFFFF_FFFFL : (d >>> 32) & 0x00F0_FF00L;
                c.setReg(x.reg(), x.opSize(), v);
            }
            setZf(c, ok);
        };
    }

    static final Op LAR = accessQuery(false);
    static final Op LSL = accessQuery(true);

    static Op group7(DecodedInsn i) {
        if (i.rm >= 0) {
            int rm = i.rm & 7;
            return switch (i.sub) {
                case 0 -> rm == 1 ? HYPERCALL : null; // VMCALL (Intel)
                case 1 -> rm == 2 ? CLAC : rm == 3 ? STAC : null;
                case 2 -> rm == 0 ? SystemInsns.XGETBV : rm == 1 ? SystemInsns.XSETBV : null;
                case 3 -> rm == 1 ? HYPERCALL : null; // VMMCALL (AMD)
                case 4 -> SMSW;
                case 5 -> rm == 6 ? SystemInsns.RDPKRU : rm == 7 ? SystemInsns.WRPKRU : null;
                case 6 -> LMSW;
                case 7 -> rm == 0 ? SWAPGS : rm == 1 ? SystemInsns.RDTSCP : null;
                default -> null;
            };
        }
        return switch (i.sub) {
            case 0 -> storeTable(false);
            case 1 -> storeTable(true);
            case 2 -> loadTable(false);
            case 3 -> loadTable(true);
            case 4 -> SMSW;
            case 6 -> LMSW;
            case 7 -> INVLPG;
            default -> null;
        };
    }

    private static Op storeTable(boolean idt) {
        return (c, x) -> {
            SystemOps.checkUmip(c);
            long ea = Operands.ea(c, x);
            long base = idt ? c.idtBase() : c.gdtBase();
            int limit = idt ? c.idtLimit() : c.gdtLimit();
            int baseSize = c.mode64() ? 8 : 4;
            c.write16(x.seg(), ea, limit);
            c.write(x.seg(), (ea + 2) & x.addrMask(), baseSize, baseSize == 4 ? base & 0xFFFF_FFFFL : base);
        };
    }

    private static Op loadTable(boolean idt) {
        return (c, x) -> {
            SystemOps.requireRing0(c);
            long ea = Operands.ea(c, x);
            int limit = c.read16(x.seg(), ea);
            long base;
            if (c.mode64()) {
                base = c.read64(x.seg(), (ea + 2) & x.addrMask());
                if ((base << 16 >> 16) != base) {
                    throw c.fault(Vectors.GP, 0);
                }
            } else {
                base = c.read32(x.seg(), (ea + 2) & x.addrMask()) & (x.opSize() == 2 ? 0xFF_FFFFL : 0xFFFF_FFFFL);
            }
            if (idt) {
                SystemOps.loadIdt(c, base, limit);
            } else {
                SystemOps.loadGdt(c, base, limit);
            }
        };
    }

    /**
     * VMCALL and VMMCALL at any privilege level, as a VM exit would: the KVM hypercalls emu
     * implements are answered here, the rest by the VMM (ExitReason.HYPERCALL).
     */
    private static final Op HYPERCALL = (c, x) -> {
        if (!KvmParavirtCalls.answer(c)) {
            c.hypercall = true;
            c.stopRequested = true;
        }
    };

    private static final Op SMSW = (c, x) -> {
        SystemOps.checkUmip(c);
        if (x.rm() >= 0) {
            c.setReg(x.rm(), x.opSize(), c.cr0() & 0xFFFF_FFFFL);
        } else {
            c.write16(x.seg(), Operands.ea(c, x), (int) c.cr0());
        }
    };

    private static final Op LMSW = (c, x) -> {
        SystemOps.requireRing0(c);
        SystemOps.lmsw(c, (int) Operands.readRm(c, x, 2));
    };

    private static final Op INVLPG = (c, x) -> {
        SystemOps.requireRing0(c);
        long lin = (c.seg(x.seg()).base() + Operands.ea(c, x)) & (c.mode64() ? -1L : 0xFFFF_FFFFL);
        if (c.mode64() && x.seg() != Cpu.FS && x.seg() != Cpu.GS) {
            lin = Operands.ea(c, x);
        }
        c.mmu.flushPage(lin);
    };

    /** STAC and CLAC set and clear EFLAGS.AC, which lets ring 0 reach user pages under SMAP; ring 0 only (#UD). */
    private static Op setAc(boolean on) {
        return (c, x) -> {
            if (c.flag(Flags.VM) || (c.protectedMode() && c.cpl() != 0)) {
                throw c.fault(Vectors.UD);
            }
            c.setFlag(Flags.AC, on);
        };
    }

    private static final Op STAC = setAc(true);
    private static final Op CLAC = setAc(false);

    private static final Op SWAPGS = (c, x) -> SystemOps.swapgs(c);
}
