package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;

/**
 * SYSCALL/SYSRET and SYSENTER/SYSEXIT as an Intel processor does them: SYSCALL and SYSRET only in
 * 64-bit mode, SYSENTER/SYSEXIT in every protected mode. They load flat segments from MSRs
 * without reading descriptors.
 */
public final class FastSystemCalls {
    private FastSystemCalls() { }

    private static final int CODE = Segment.TYPE_CODE_RX_ACCESSED | Segment.S | Segment.PRESENT | Segment.GRANULARITY;
    private static final int DATA = Segment.TYPE_DATA_RW_ACCESSED | Segment.S | Segment.PRESENT | Segment.GRANULARITY
            | Segment.DB;
    private static final long RFLAGS_SYSRET = 0x3C_7FD7L;

    private static void flatCode(Cpu c, int selector, int dpl, boolean long64) {
        int ar = CODE | (dpl << Segment.DPL_SHIFT) | (long64 ? Segment.LONG : Segment.DB);
        c.seg(Cpu.CS).load(selector, 0, 0xFFFF_FFFF, ar);
    }

    private static void flatData(Cpu c, int selector, int dpl) {
        c.seg(Cpu.SS).load(selector, 0, 0xFFFF_FFFF, DATA | (dpl << Segment.DPL_SHIFT));
    }

    public static void syscall(Cpu c, long nextRip) {
        if (!c.mode64() || (c.efer & Cpu.EFER_SCE) == 0) {
            throw c.fault(Vectors.UD);
        }
        long star = c.msrs.star();
        int sel = (int) (star >>> 32) & 0xFFFF;
        c.setReg(Cpu.RCX, nextRip);
        long fl = c.rflags();
        c.setReg(11, fl & ~Flags.RF);
        c.setRflags(fl & ~c.msrs.sfmask() & ~Flags.RF);
        flatCode(c, sel & 0xFFFC, 0, true);
        flatData(c, (sel + 8) & 0xFFFC, 0);
        c.setCpl(0);
        c.setRip(c.msrs.lstar());
        c.updateMode();
    }

    public static void sysret(Cpu c, boolean to64) {
        if (!c.mode64() || (c.efer & Cpu.EFER_SCE) == 0) {
            throw c.fault(Vectors.UD);
        }
        if (c.cpl() != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long target = to64 ? c.reg(Cpu.RCX) : c.reg(Cpu.RCX) & 0xFFFF_FFFFL;
        if (to64 && (target << 16 >> 16) != target) {
            throw c.fault(Vectors.GP, 0);
        }
        int sel = (int) (c.msrs.star() >>> 48) & 0xFFFF;
        flatCode(c, ((to64 ? sel + 16 : sel) & 0xFFFC) | 3, 3, to64);
        flatData(c, ((sel + 8) & 0xFFFC) | 3, 3);
        c.setRflags((c.reg(11) & RFLAGS_SYSRET) | Flags.FIXED);
        c.setCpl(3);
        c.setRip(target);
        c.updateMode();
    }

    public static void sysenter(Cpu c) {
        int cs = (int) c.msrs.sysenterCs & 0xFFFF;
        if (!c.protectedMode() || (cs & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.setFlag(Flags.VM | Flags.IF | Flags.RF, false);
        boolean lma = c.longModeActive();
        flatCode(c, cs & 0xFFFC, 0, lma);
        flatData(c, (cs + 8) & 0xFFFC, 0);
        c.setCpl(0);
        c.setReg(Cpu.RSP, lma ? c.msrs.sysenterEsp : c.msrs.sysenterEsp & 0xFFFF_FFFFL);
        c.setRip(lma ? c.msrs.sysenterEip : c.msrs.sysenterEip & 0xFFFF_FFFFL);
        c.updateMode();
    }

    public static void sysexit(Cpu c, boolean to64) {
        int cs = (int) c.msrs.sysenterCs & 0xFFFF;
        if (!c.protectedMode() || c.cpl() != 0 || (cs & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long rip = to64 ? c.reg(Cpu.RDX) : c.reg(Cpu.RDX) & 0xFFFF_FFFFL;
        long rsp = to64 ? c.reg(Cpu.RCX) : c.reg(Cpu.RCX) & 0xFFFF_FFFFL;
        if (to64 && ((rip << 16 >> 16) != rip || (rsp << 16 >> 16) != rsp)) {
            throw c.fault(Vectors.GP, 0);
        }
        flatCode(c, ((cs + (to64 ? 32 : 16)) & 0xFFFC) | 3, 3, to64);
        flatData(c, ((cs + (to64 ? 40 : 24)) & 0xFFFC) | 3, 3);
        c.setCpl(3);
        c.setReg(Cpu.RSP, rsp);
        c.setRip(rip);
        c.updateMode();
    }
}
