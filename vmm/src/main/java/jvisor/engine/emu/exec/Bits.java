package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.MAP_0F38;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.LOCKABLE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * Bit operations: BT/BTS/BTR/BTC (a register bit offset reaches beyond the memory operand),
 * BSF/BSR, TZCNT/LZCNT/POPCNT, and BMI1/BMI2 (ANDN, BEXTR, BLSI, BLSMSK, BLSR, BZHI, PDEP, PEXT,
 * MULX). Undefined flags follow the host processor this was checked against.
 */
public final class Bits {
    private Bits() { }

    static final int BT = 0;
    static final int BTS = 1;
    static final int BTR = 2;
    static final int BTC = 3;

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0xA3, MODRM, i -> bitTest(BT, false));
        m.put(TWO_BYTE, 0xAB, MODRM | LOCKABLE, i -> bitTest(BTS, false));
        m.put(TWO_BYTE, 0xB3, MODRM | LOCKABLE, i -> bitTest(BTR, false));
        m.put(TWO_BYTE, 0xBB, MODRM | LOCKABLE, i -> bitTest(BTC, false));
        m.put(TWO_BYTE, 0xBA, MODRM | IMM8 | LOCKABLE, i -> i.sub < 4 || (i.sub == 4 && i.hasPrefix(Insn.P_LOCK))
                ? null : bitTest(i.sub - 4, true));
        m.put(TWO_BYTE, 0xBC, MODRM, i -> i.hasPrefix(Insn.P_REP) ? TZCNT : BSF);
        m.put(TWO_BYTE, 0xBD, MODRM, i -> i.hasPrefix(Insn.P_REP) ? LZCNT : BSR);
        m.put(TWO_BYTE, 0xB8, MODRM, i -> i.hasPrefix(Insn.P_REP) ? POPCNT : null);
        m.put(MAP_0F38, 0xF2, MODRM, i -> vex(i, 0) ? ANDN : null);
        m.put(MAP_0F38, 0xF3, MODRM, Bits::group17);
        m.put(MAP_0F38, 0xF5, MODRM, Bits::f5);
        m.put(MAP_0F38, 0xF6, MODRM, i -> vex(i, Insn.P_REPNE) ? MULX : null);
    }

    private static Op bitTest(int op, boolean immediate) {
        return (c, x) -> {
            int s = x.opSize();
            int w = s << 3;
            long offset = immediate ? x.imm() & 0xFF : c.reg(x.reg(), s);
            if (x.rm() >= 0) {
                int bit = (int) (offset & (w - 1));
                long v = c.reg(x.rm(), s);
                long r = apply(c, op, v, bit);
                if (op != BT) {
                    c.setReg(x.rm(), s, r);
                }
                return;
            }
            long ea = Operands.ea(c, x);
            int bit;
            if (immediate) {
                bit = (int) (offset & (w - 1));
            } else {
                long signed = Flags.sx(offset, s);
                int shift = Integer.numberOfTrailingZeros(w);
                ea = (ea + (signed >> shift) * s) & x.addrMask();
                bit = (int) (signed & (w - 1));
            }
            if (op == BT) {
                apply(c, op, c.read(x.seg(), ea, s), bit);
                return;
            }
            if (x.hasPrefix(Insn.P_LOCK)) {
                Atomics.rmw(c, c.linearWrite(x.seg(), ea, s), s, Atomics.BTS + op - BTS, bit);
                return;
            }
            long lin = c.linearWrite(x.seg(), ea, s);
            long v = c.mmu.readForWrite(lin, s);
            c.mmu.write(lin, s, apply(c, op, v, bit));
        };
    }

    /** Sets CF to the bit and returns the value after the operation; other flags are kept. */
    private static long apply(Cpu c, int op, long v, int bit) {
        long mask = 1L << bit;
        long kept = c.flags.bits() & ~Flags.CF;
        c.flags.setBits(kept | ((v & mask) != 0 ? Flags.CF : 0));
        return switch (op) {
            case BTS -> v | mask;
            case BTR -> v & ~mask;
            case BTC -> v ^ mask;
            default -> v;
        };
    }

    /** BSF/BSR flags: ZF for a zero source, PF from the index found (0 when none); the rest cleared. */
    private static void scanFlags(Cpu c, long src, long index) {
        long pf = (Integer.bitCount((int) index & 0xFF) & 1) == 0 ? Flags.PF : 0;
        c.flags.setBits((src == 0 ? Flags.ZF : 0) | pf);
    }

    private static final Op BSF = (c, x) -> {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        if (v == 0) {
            scanFlags(c, 0, 0);
            return;
        }
        long index = Long.numberOfTrailingZeros(v);
        c.setReg(x.reg(), s, index);
        scanFlags(c, v, index);
    };

    private static final Op BSR = (c, x) -> {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        if (v == 0) {
            scanFlags(c, 0, 0);
            return;
        }
        long index = 63 - Long.numberOfLeadingZeros(v);
        c.setReg(x.reg(), s, index);
        scanFlags(c, v, index);
    };

    /** TZCNT/LZCNT: CF when the source is zero, ZF when the count is; OF kept, the rest cleared. */
    private static void countFlags(Cpu c, long src, long count) {
        long of = c.flags.bits() & Flags.OF;
        c.flags.setBits(of | (src == 0 ? Flags.CF : 0) | (count == 0 ? Flags.ZF : 0));
    }

    private static final Op TZCNT = (c, x) -> {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        long n = v == 0 ? s << 3 : Long.numberOfTrailingZeros(v);
        c.setReg(x.reg(), s, n);
        countFlags(c, v, n);
    };

    private static final Op LZCNT = (c, x) -> {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        long n = Long.numberOfLeadingZeros(v) - (64 - (s << 3));
        c.setReg(x.reg(), s, n);
        countFlags(c, v, n);
    };

    private static final Op POPCNT = (c, x) -> {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        long n = Long.bitCount(v);
        c.setReg(x.reg(), s, n);
        c.flags.setBits(v == 0 ? Flags.ZF : 0);
    };

    // ---- BMI1 / BMI2 (VEX-encoded, 32- or 64-bit by VEX.W) -------------------------------------

    /** A VEX.LZ form with mandatory prefix {@code prefix} (0 = none); fixes the operand size from VEX.W. */
    private static boolean vex(DecodedInsn i, int prefix) {
        int pp = i.prefixes & (Insn.P_OPSIZE | Insn.P_REP | Insn.P_REPNE);
        if (!i.hasPrefix(Insn.P_VEX) || i.hasPrefix(Insn.P_VEXL) || pp != prefix) {
            return false;
        }
        i.opSize = i.hasPrefix(Insn.P_REXW) ? 8 : 4;
        return true;
    }

    /** BMI results set ZF and SF from the result, clear OF, and leave CF to the caller. */
    private static void bmiFlags(Cpu c, long r, int s, boolean cf) {
        c.flags.result(r, s, cf ? Flags.CF : 0);
    }

    private static final Op ANDN = (c, x) -> {
        int s = x.opSize();
        long r = ~c.reg(x.vreg(), s) & Operands.readRm(c, x, s);
        c.setReg(x.reg(), s, r);
        bmiFlags(c, r, s, false);
    };

    /** VEX 0F38 F3 /1 BLSR, /2 BLSMSK, /3 BLSI (destination in vvvv). */
    private static Op group17(DecodedInsn i) {
        if (!vex(i, 0)) {
            return null;
        }
        int op = i.sub;
        if (op < 1 || op > 3) {
            return null;
        }
        return (c, x) -> {
            int s = x.opSize();
            long v = Operands.readRm(c, x, s);
            long r = switch (op) {
                case 1 -> v & (v - 1);
                case 2 -> v ^ (v - 1);
                default -> v & -v;
            };
            r = Operands.mask(r, s);
            c.setReg(x.vreg(), s, r);
            bmiFlags(c, r, s, op == 3 ? v != 0 : v == 0);
        };
    }

    /** VEX 0F38 F5: BZHI (none), PEXT (F3), PDEP (F2). */
    private static Op f5(DecodedInsn i) {
        if (vex(i, 0)) {
            return BZHI;
        }
        if (vex(i, Insn.P_REP)) {
            return PEXT;
        }
        return vex(i, Insn.P_REPNE) ? PDEP : null;
    }

    private static final Op BZHI = (c, x) -> {
        int s = x.opSize();
        int w = s << 3;
        long v = Operands.readRm(c, x, s);
        int n = (int) c.reg(x.vreg()) & 0xFF;
        long r = n >= w ? v : v & ((1L << n) - 1);
        c.setReg(x.reg(), s, r);
        bmiFlags(c, r, s, n > w - 1);
    };

    private static final Op PEXT = (c, x) -> {
        int s = x.opSize();
        long src = c.reg(x.vreg(), s);
        long mask = Operands.readRm(c, x, s);
        long r = 0;
        int k = 0;
        for (long m = mask; m != 0; m &= m - 1) {
            long bit = m & -m;
            if ((src & bit) != 0) {
                r |= 1L << k;
            }
            k++;
        }
        c.setReg(x.reg(), s, r);
    };

    private static final Op PDEP = (c, x) -> {
        int s = x.opSize();
        long src = c.reg(x.vreg(), s);
        long mask = Operands.readRm(c, x, s);
        long r = 0;
        int k = 0;
        for (long m = mask; m != 0; m &= m - 1) {
            long bit = m & -m;
            if (((src >>> k) & 1) != 0) {
                r |= bit;
            }
            k++;
        }
        c.setReg(x.reg(), s, r);
    };

    private static final Op MULX = (c, x) -> {
        int s = x.opSize();
        long a = c.reg(Cpu.RDX, s);
        long b = Operands.readRm(c, x, s);
        long lo;
        long hi;
        if (s == 8) {
            lo = a * b;
            hi = Math.unsignedMultiplyHigh(a, b);
        } else {
            long p = a * b;
            lo = p;
            hi = p >>> 32;
        }
        c.setReg(x.vreg(), s, lo);
        c.setReg(x.reg(), s, hi);
    };

    /** BEXTR lives in 0F38 F7 without a prefix, sharing the row with the BMI2 shifts. */
    static final Op BEXTR = (c, x) -> {
        int s = x.opSize();
        int w = s << 3;
        long v = Operands.readRm(c, x, s);
        long ctl = c.reg(x.vreg());
        int start = (int) ctl & 0xFF;
        int len = (int) (ctl >>> 8) & 0xFF;
        long r = start >= w ? 0 : v >>> start;
        if (len < 64) {
            r &= (1L << len) - 1;
        }
        r = Operands.mask(r, s);
        c.setReg(x.reg(), s, r);
        long pf = (Long.bitCount(r & 0xFF) & 1) == 0 ? Flags.PF : 0;
        c.flags.setBits((r == 0 ? Flags.ZF : 0) | pf | Flags.AF);
    };
}
