package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.MAP_0F38;
import static jvisor.engine.emu.decode.OpcodeMaps.MAP_0F3A;
import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * Shifts and rotates (ROL ROR RCL RCR SHL SHR SAL SAR), SHLD/SHRD and the BMI2 forms (SARX, SHLX,
 * SHRX, RORX). Flags the SDM leaves undefined for counts above one follow the host processor this
 * was checked against: OF from the result's top bits, AF set by shifts.
 */
public final class Shifts {
    private Shifts() { }

    static final int ROL = 0;
    static final int ROR = 1;
    static final int RCL = 2;
    static final int RCR = 3;
    static final int SHL = 4;
    static final int SHR = 5;
    static final int SAL = 6;
    static final int SAR = 7;

    /** Where the count comes from. */
    private static final int ONE = 0;
    private static final int CL = 1;
    private static final int IMM = 2;

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0xC0, MODRM | BYTE | IMM8, i -> group2(i, IMM));
        m.put(ONE_BYTE, 0xC1, MODRM | IMM8, i -> group2(i, IMM));
        m.put(ONE_BYTE, 0xD0, MODRM | BYTE, i -> group2(i, ONE));
        m.put(ONE_BYTE, 0xD1, MODRM, i -> group2(i, ONE));
        m.put(ONE_BYTE, 0xD2, MODRM | BYTE, i -> group2(i, CL));
        m.put(ONE_BYTE, 0xD3, MODRM, i -> group2(i, CL));
        m.put(TWO_BYTE, 0xA4, MODRM | IMM8, i -> doubleShift(true, IMM));
        m.put(TWO_BYTE, 0xA5, MODRM, i -> doubleShift(true, CL));
        m.put(TWO_BYTE, 0xAC, MODRM | IMM8, i -> doubleShift(false, IMM));
        m.put(TWO_BYTE, 0xAD, MODRM, i -> doubleShift(false, CL));
        m.put(MAP_0F38, 0xF7, MODRM, Shifts::bmiShift);
        m.put(MAP_0F3A, 0xF0, MODRM | IMM8, Shifts::rorx);
    }

    private static int count(Cpu c, Insn x, int source) {
        int raw = source == ONE ? 1 : source == CL ? (int) c.reg(Cpu.RCX) : (int) x.imm();
        return raw & (x.opSize() == 8 ? 63 : 31);
    }

    private static Op group2(DecodedInsn i, int source) {
        if (i.rm >= 0) {
            Op fast = source == IMM ? byImmediate(i) : null;
            if (fast != null) {
                return fast;
            }
            return source == IMM ? GROUP2_REG_IMM : source == ONE ? GROUP2_REG_ONE : GROUP2_REG_CL;
        }
        return source == IMM ? GROUP2_MEM_IMM : source == ONE ? GROUP2_MEM_ONE : GROUP2_MEM_CL;
    }

    /** C0-D3 by where the count comes from; the operation is the ModRM reg field. */
    static final Op GROUP2_REG_IMM = Shifts::group2RegImm;
    static void group2RegImm(Cpu c, Insn x) {
        shiftRegister(c, x, IMM);
    }

    static final Op GROUP2_REG_ONE = Shifts::group2RegOne;
    static void group2RegOne(Cpu c, Insn x) {
        shiftRegister(c, x, ONE);
    }

    static final Op GROUP2_REG_CL = Shifts::group2RegCl;
    static void group2RegCl(Cpu c, Insn x) {
        shiftRegister(c, x, CL);
    }

    static final Op GROUP2_MEM_IMM = Shifts::group2MemImm;
    static void group2MemImm(Cpu c, Insn x) {
        shiftMemory(c, x, IMM);
    }

    static final Op GROUP2_MEM_ONE = Shifts::group2MemOne;
    static void group2MemOne(Cpu c, Insn x) {
        shiftMemory(c, x, ONE);
    }

    static final Op GROUP2_MEM_CL = Shifts::group2MemCl;
    static void group2MemCl(Cpu c, Insn x) {
        shiftMemory(c, x, CL);
    }


    /**
     * A 32- or 64-bit register shifted or rotated (not through CF) by an immediate whose count is
     * not 0 once masked: one handler per operation and size, straight code for the interpreter's
     * switch, where the general form went through two dispatchers and a call per instruction.
     * Null for the other forms (RCL/RCR, 8/16-bit operands, a count of 0, which changes nothing
     * but the upper half of a 32-bit register).
     */
    private static Op byImmediate(DecodedInsn i) {
        if (i.opSize != 8 && i.opSize != 4 || (i.imm & (i.opSize == 8 ? 63 : 31)) == 0) {
            return null;
        }
        boolean wide = i.opSize == 8;
        return switch (i.sub) {
            case ROL -> wide ? ROL_RI64 : ROL_RI32;
            case ROR -> wide ? ROR_RI64 : ROR_RI32;
            case SHL, SAL -> wide ? SHL_RI64 : SHL_RI32;
            case SHR -> wide ? SHR_RI64 : SHR_RI32;
            case SAR -> wide ? SAR_RI64 : SAR_RI32;
            default -> null;
        };
    }

    static final Op SHL_RI64 = Shifts::shlRI64;
    static void shlRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), shl(c.flags, c.reg(x.rm()), (int) x.imm() & 63, 8));
    }

    static final Op SHR_RI64 = Shifts::shrRI64;
    static void shrRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), shr(c.flags, c.reg(x.rm()), (int) x.imm() & 63, 8));
    }

    static final Op SAR_RI64 = Shifts::sarRI64;
    static void sarRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), sar(c.flags, c.reg(x.rm()), (int) x.imm() & 63, 8));
    }

    static final Op ROL_RI64 = Shifts::rolRI64;
    static void rolRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), rol(c, c.reg(x.rm()), (int) x.imm() & 63, 8));
    }

    static final Op ROR_RI64 = Shifts::rorRI64;
    static void rorRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), ror(c, c.reg(x.rm()), (int) x.imm() & 63, 8));
    }

    // The 32-bit forms: each operation returns its result zero-extended, as a 32-bit write leaves it.

    static final Op SHL_RI32 = Shifts::shlRI32;
    static void shlRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), shl(c.flags, c.reg(x.rm()) & 0xFFFF_FFFFL, (int) x.imm() & 31, 4));
    }

    static final Op SHR_RI32 = Shifts::shrRI32;
    static void shrRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), shr(c.flags, c.reg(x.rm()) & 0xFFFF_FFFFL, (int) x.imm() & 31, 4));
    }

    static final Op SAR_RI32 = Shifts::sarRI32;
    static void sarRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), sar(c.flags, c.reg(x.rm()) & 0xFFFF_FFFFL, (int) x.imm() & 31, 4));
    }

    static final Op ROL_RI32 = Shifts::rolRI32;
    static void rolRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), rol(c, c.reg(x.rm()) & 0xFFFF_FFFFL, (int) x.imm() & 31, 4));
    }

    static final Op ROR_RI32 = Shifts::rorRI32;
    static void rorRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), ror(c, c.reg(x.rm()) & 0xFFFF_FFFFL, (int) x.imm() & 31, 4));
    }

    private static void shiftRegister(Cpu c, Insn x, int source) {
        int n = count(c, x, source);
        int s = x.opSize();
        if (n != 0) {
            c.setReg(x.rm(), s, shift(c, x.sub(), c.reg(x.rm(), s), n, s));
        } else if (s == 4) {
            c.setReg(x.rm(), 4, c.reg(x.rm()));
        }
    }

    private static void shiftMemory(Cpu c, Insn x, int source) {
        int s = x.opSize();
        long lin = Operands.linearRmw(c, x, s);
        long v = c.mmu.readForWrite(lin, s);
        int n = count(c, x, source);
        if (n != 0) {
            c.mmu.write(lin, s, shift(c, x.sub(), v, n, s));
        }
    }

    /**
     * Shifts or rotates the zero-extended {@code v} by {@code n} (1..63), sets the flags, returns
     * the result. A small dispatcher over one small method per operation, so a compiled block that
     * knows the operation inlines just that one.
     */
    public static long shift(Cpu c, int op, long v, int n, int size) {
        return switch (op) {
            case SHL, SAL -> shl(c.flags, v, n, size);
            case SHR -> shr(c.flags, v, n, size);
            case SAR -> sar(c.flags, v, n, size);
            case ROL -> rol(c, v, n, size);
            case ROR -> ror(c, v, n, size);
            case RCL -> rcl(c, v, n, size);
            default -> rcr(c, v, n, size);
        };
    }

    /**
     * SHL (and SAL) by {@code n}, not 0 after masking. This and SHR, SAR, ROL and ROR are small
     * enough for HotSpot to inline where a region calls them directly; {@link #shift} is not.
     */
    public static long shl(Flags f, long v, int n, int size) {
        int w = size << 3;
        long r = Operands.mask(v << n, size);
        long cf = n <= w ? (v >>> (w - n)) & 1 : 0;
        long of = ((r >>> (w - 1)) & 1) ^ cf;
        f.result(r, size, cf | (of << 11) | Flags.AF);
        return r;
    }

    public static long shr(Flags f, long v, int n, int size) {
        int w = size << 3;
        long r = v >>> n;
        long cf = n <= w ? (v >>> (n - 1)) & 1 : 0;
        f.result(r, size, cf | (topBitsDiffer(r, w) ? Flags.OF : 0) | Flags.AF);
        return r;
    }

    public static long sar(Flags f, long v, int n, int size) {
        long sv = Flags.sx(v, size);
        long r = Operands.mask(sv >> Math.min(n, 63), size);
        long cf = (sv >> Math.min(n - 1, 63)) & 1;
        f.result(r, size, cf | Flags.AF);
        return r;
    }

    public static long rol(Cpu c, long v, int n, int size) {
        int w = size << 3;
        int k = n % w;
        long r = Operands.mask(k == 0 ? v : (v << k) | (v >>> (w - k)), size);
        long cf = r & 1;
        rotateFlags(c, cf, ((r >>> (w - 1)) & 1) ^ cf);
        return r;
    }

    public static long ror(Cpu c, long v, int n, int size) {
        int w = size << 3;
        int k = n % w;
        long r = Operands.mask(k == 0 ? v : (v >>> k) | (v << (w - k)), size);
        rotateFlags(c, (r >>> (w - 1)) & 1, topBitsDiffer(r, w) ? 1 : 0);
        return r;
    }

    private static long rcl(Cpu c, long v, int n, int size) {
        int w = size << 3;
        int k = w < 32 ? n % (w + 1) : n;
        long cfIn = c.flags.cf() ? 1 : 0;
        if (k == 0) {
            rotateFlags(c, cfIn, ((v >>> (w - 1)) & 1) ^ cfIn);
            return v;
        }
        long cf = (v >>> (w - k)) & 1;
        long r = Operands.mask((v << k) | (cfIn << (k - 1)) | (k > 1 ? v >>> (w + 1 - k) : 0), size);
        rotateFlags(c, cf, ((r >>> (w - 1)) & 1) ^ cf);
        return r;
    }

    private static long rcr(Cpu c, long v, int n, int size) {
        int w = size << 3;
        int k = w < 32 ? n % (w + 1) : n;
        long cfIn = c.flags.cf() ? 1 : 0;
        if (k == 0) {
            rotateFlags(c, cfIn, topBitsDiffer(v, w) ? 1 : 0);
            return v;
        }
        long cf = (v >>> (k - 1)) & 1;
        long r = Operands.mask((v >>> k) | (cfIn << (w - k)) | (k > 1 ? v << (w + 1 - k) : 0), size);
        rotateFlags(c, cf, topBitsDiffer(r, w) ? 1 : 0);
        return r;
    }

    private static boolean topBitsDiffer(long r, int w) {
        return (((r >>> (w - 1)) ^ (r >>> (w - 2))) & 1) != 0;
    }

    /**
     * Rotates change only CF and OF. Every recorded operation but an explicit one has ZF, SF and
     * PF in its result, which a {@link Flags#RESULT} record keeps, so only AF is worked out,
     * not all six flags.
     */
    private static void rotateFlags(Cpu c, long cf, long of) {
        Flags f = c.flags;
        if (f.kind() == Flags.EXPLICIT) {
            f.setBits(f.src() & ~(Flags.CF | Flags.OF) | cf | (of << 11));
        } else {
            f.result(f.res(), 8, cf | (of << 11) | (f.af() ? Flags.AF : 0));
        }
    }

    private static Op doubleShift(boolean left, int source) {
        return (c, x) -> {
            int s = x.opSize();
            int n = count(c, x, source);
            long src = c.reg(x.reg(), s);
            if (x.rm() >= 0) {
                if (n != 0) {
                    c.setReg(x.rm(), s, doubleShift(c, left, c.reg(x.rm(), s), src, n, s));
                } else if (s == 4) {
                    c.setReg(x.rm(), 4, c.reg(x.rm()));
                }
                return;
            }
            long lin = Operands.linearRmw(c, x, s);
            long v = c.mmu.readForWrite(lin, s);
            if (n != 0) {
                c.mmu.write(lin, s, doubleShift(c, left, v, src, n, s));
            }
        };
    }

    /**
     * SHLD/SHRD by {@code n} (1..63). A 16-bit operand shifted by more than 16 is undefined in the
     * SDM; the host rotates the source by n - 16 and clears CF (and OF for SHLD).
     */
    static long doubleShift(Cpu c, boolean left, long dst, long src, int n, int size) {
        int w = size << 3;
        long r;
        long cf;
        if (size == 2 && n > 16) {
            int k = n - 16;
            r = left ? ((src << k) | (src >>> (16 - k))) & 0xFFFF : ((src >>> k) | (src << (16 - k))) & 0xFFFF;
            long of = !left && topBitsDiffer(r, 16) ? Flags.OF : 0;
            c.flags.result(r, size, of | Flags.AF);
            return r;
        } else if (left) {
            r = Operands.mask((dst << n) | (src >>> (w - n)), size);
            cf = (dst >>> (w - n)) & 1;
        } else {
            r = Operands.mask((dst >>> n) | (src << (w - n)), size);
            cf = (dst >>> (n - 1)) & 1;
        }
        long top = 1L << (w - 1);
        long of = left ? (((r & top) != 0 && n != w ? 1 : 0) ^ cf) : (topBitsDiffer(r, w) ? 1 : 0);
        c.flags.result(r, size, cf | (of << 11) | Flags.AF);
        return r;
    }

    /** VEX 0F38 F7: SARX (F3), SHLX (66), SHRX (F2); no flags. */
    private static Op bmiShift(DecodedInsn i) {
        if (!i.hasPrefix(Insn.P_VEX) || i.hasPrefix(Insn.P_VEXL)) {
            return null;
        }
        int s = i.hasPrefix(Insn.P_REXW) ? 8 : 4;
        i.opSize = s;
        int kind = i.hasPrefix(Insn.P_REP) ? SAR : i.hasPrefix(Insn.P_OPSIZE) ? SHL : i.hasPrefix(Insn.P_REPNE) ? SHR
                : -1;
        if (kind < 0) {
            return Bits.BEXTR;
        }
        return (c, x) -> {
            long v = Operands.readRm(c, x, s);
            int n = (int) c.reg(x.vreg()) & (s == 8 ? 63 : 31);
            long r = switch (kind) {
                case SAR -> Flags.sx(v, s) >> n;
                case SHL -> v << n;
                default -> v >>> n;
            };
            c.setReg(x.reg(), s, r);
        };
    }

    /** VEX.F2 0F3A F0: RORX. */
    private static Op rorx(DecodedInsn i) {
        if (!i.hasPrefix(Insn.P_VEX) || !i.hasPrefix(Insn.P_REPNE) || i.hasPrefix(Insn.P_VEXL)) {
            return null;
        }
        int s = i.hasPrefix(Insn.P_REXW) ? 8 : 4;
        i.opSize = s;
        return (c, x) -> {
            long v = Operands.readRm(c, x, s);
            int w = s << 3;
            int k = (int) x.imm() & (w - 1);
            c.setReg(x.reg(), s, k == 0 ? v : (v >>> k) | (v << (w - k)));
        };
    }
}
