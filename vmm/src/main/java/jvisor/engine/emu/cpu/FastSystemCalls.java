package jvisor.engine.emu.cpu;

import jvisor.engine.CpuVendor;
import jvisor.engine.Segment;

/**
 * SYSCALL/SYSRET and SYSENTER/SYSEXIT as the processor's vendor does them. Intel: SYSCALL and
 * SYSRET only in 64-bit mode, SYSENTER/SYSEXIT in every protected mode. AMD: SYSCALL and SYSRET
 * in every protected mode (from compatibility mode SYSCALL enters at CSTAR, in legacy mode at
 * STAR[31:0]), and SYSENTER/SYSEXIT not in long mode. They load flat segments from MSRs without
 * reading descriptors. SYSCALL and SYSRET take a single-step trap when TF is set as they leave,
 * whatever it was as they started.
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

    /** Intel knows SYSCALL/SYSRET only in 64-bit mode; AMD in every mode but real mode. */
    private static boolean syscallAllowed(Cpu c) {
        if ((c.efer & Cpu.EFER_SCE) == 0) {
            return false;
        }
        return c.vendor == CpuVendor.AMD ? c.protectedMode() : c.mode64();
    }

    public static void syscall(Cpu c, long nextRip) {
        if (!syscallAllowed(c)) {
            throw c.fault(Vectors.UD);
        }
        long star = c.msrs.star();
        int sel = (int) (star >>> 32) & 0xFFFF;
        long fl = c.rflags();
        if (c.longModeActive()) {
            c.setReg(Cpu.RCX, nextRip);
            c.setReg(11, fl & ~Flags.RF);
            c.setRflags(fl & ~c.msrs.sfmask() & ~Flags.RF);
            flatCode(c, sel & 0xFFFC, 0, true);
            c.setRip(c.mode64() ? c.msrs.lstar() : c.msrs.cstar());
        } else {
            c.setReg(Cpu.RCX, nextRip & 0xFFFF_FFFFL);
            c.setRflags(fl & ~(Flags.VM | Flags.IF | Flags.RF));
            flatCode(c, sel & 0xFFFC, 0, false);
            c.setRip(star & 0xFFFF_FFFFL);
        }
        flatData(c, (sel + 8) & 0xFFFC, 0);
        c.setCpl(0);
        c.updateMode();
        singleStepOnLeaving(c);
    }

    /**
     * Back to ring 3: 64-bit with REX.W, else 32-bit (compatibility mode in long mode). Intel
     * refuses a non-canonical RCX with #GP while still in ring 0; AMD goes there, and the fetch
     * faults in ring 3. Outside long mode (AMD only) it also sets IF, as AMD documents.
     */
    public static void sysret(Cpu c, boolean to64) {
        if (!syscallAllowed(c)) {
            throw c.fault(Vectors.UD);
        }
        if (c.cpl() != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        boolean lma = c.longModeActive();
        to64 &= lma;
        long target = to64 ? c.reg(Cpu.RCX) : c.reg(Cpu.RCX) & 0xFFFF_FFFFL;
        if (to64 && c.vendor == CpuVendor.INTEL && (target << 16 >> 16) != target) {
            throw c.fault(Vectors.GP, 0);
        }
        int sel = (int) (c.msrs.star() >>> 48) & 0xFFFF;
        flatCode(c, ((to64 ? sel + 16 : sel) & 0xFFFC) | 3, 3, to64);
        flatData(c, ((sel + 8) & 0xFFFC) | 3, 3);
        if (lma) {
            c.setRflags((c.reg(11) & RFLAGS_SYSRET) | Flags.FIXED);
        } else {
            c.setRflags(c.rflags() | Flags.IF);
        }
        c.setCpl(3);
        c.setRip(target);
        c.updateMode();
        singleStepOnLeaving(c);
    }

    /** The single-step trap of SYSCALL and SYSRET follows TF as they leave it (SFMASK, R11), not as they found it. */
    private static void singleStepOnLeaving(Cpu c) {
        c.stepTrapSettled = true;
        if (c.flag(Flags.TF)) {
            c.setDr6Bits(jvisor.engine.DebugRegisters.DR6_BS);
            if (!Interrupts.deliver(c, Vectors.DB, CpuFault.NO_ERROR_CODE, Interrupts.Source.EXCEPTION, c.rip(),
                    c.rip())) {
                c.shutdown = true;
            }
        }
    }

    /** AMD has no SYSENTER/SYSEXIT in long mode. */
    private static void requireSysenter(Cpu c) {
        if (c.vendor == CpuVendor.AMD && c.longModeActive()) {
            throw c.fault(Vectors.UD);
        }
    }

    public static void sysenter(Cpu c) {
        requireSysenter(c);
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
        requireSysenter(c);
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
