package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.MAP_0F38;
import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMV;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMZ;
import static jvisor.engine.emu.decode.OpcodeSpec.LOCKABLE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.decode.OpcodeSpec.MOFFS;
import static jvisor.engine.emu.decode.OpcodeSpec.PLUS_R;
import static jvisor.engine.emu.decode.OpcodeSpec.RM_BYTE;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Segmentation;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * Data movement: MOV in every form (including segment registers), MOVZX/MOVSX/MOVSXD, LEA, XCHG,
 * the sign extensions of the accumulator, CMOVcc, SETcc, BSWAP, MOVBE, XLAT, LAHF/SAHF and the NOPs.
 */
public final class Moves {
    private Moves() { }

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0x88, MODRM | BYTE, Moves::storeReg);
        m.put(ONE_BYTE, 0x89, MODRM, Moves::storeReg);
        m.put(ONE_BYTE, 0x8A, MODRM | BYTE, Moves::loadReg);
        m.put(ONE_BYTE, 0x8B, MODRM, Moves::loadReg);
        m.put(ONE_BYTE, 0x8C, MODRM, i -> i.sub <= 5 ? MOV_FROM_SREG : null);
        m.put(ONE_BYTE, 0x8E, MODRM | ENDS, i -> i.sub <= 5 && i.sub != Cpu.CS ? MOV_TO_SREG : null);
        m.put(ONE_BYTE, 0xA0, MOFFS | BYTE, i -> LOAD_ACC);
        m.put(ONE_BYTE, 0xA1, MOFFS, i -> LOAD_ACC);
        m.put(ONE_BYTE, 0xA2, MOFFS | BYTE, i -> STORE_ACC);
        m.put(ONE_BYTE, 0xA3, MOFFS, i -> STORE_ACC);
        m.putRange(ONE_BYTE, 0xB0, 8, PLUS_R | BYTE | IMM8, i -> MOV_REG_IMM);
        m.putRange(ONE_BYTE, 0xB8, 8, PLUS_R | IMMV, Moves::movRegImm);
        m.put(ONE_BYTE, 0xC6, MODRM | BYTE | IMM8, Moves::storeImm);
        m.put(ONE_BYTE, 0xC7, MODRM | IMMZ, Moves::storeImm);
        m.put(TWO_BYTE, 0xB6, MODRM | RM_BYTE, i -> MOVZX8);
        m.put(TWO_BYTE, 0xB7, MODRM, i -> MOVZX16);
        m.put(TWO_BYTE, 0xBE, MODRM | RM_BYTE, i -> MOVSX8);
        m.put(TWO_BYTE, 0xBF, MODRM, i -> MOVSX16);
        m.put(ONE_BYTE, 0x63, MODRM, i -> i.mode64 ? MOVSXD : SystemInsns.arpl(i));
        m.put(ONE_BYTE, 0x8D, MODRM, Moves::lea);
        m.put(ONE_BYTE, 0x86, MODRM | BYTE | LOCKABLE, i -> i.rm < 0 ? Atomics.XCHG_MEMORY : XCHG_RM);
        m.put(ONE_BYTE, 0x87, MODRM | LOCKABLE, i -> i.rm < 0 ? Atomics.XCHG_MEMORY : XCHG_RM);
        m.putRange(ONE_BYTE, 0x90, 8, PLUS_R, Moves::xchgAcc);
        m.put(ONE_BYTE, 0x98, 0, i -> WIDEN_ACC);
        m.put(ONE_BYTE, 0x99, 0, i -> SIGN_TO_RDX);
        m.putRange(TWO_BYTE, 0x40, 16, MODRM, i -> CMOV);
        m.putRange(TWO_BYTE, 0x90, 16, MODRM | BYTE, i -> SETCC);
        m.putRange(TWO_BYTE, 0xC8, 8, PLUS_R, i -> BSWAP);
        m.put(MAP_0F38, 0xF0, MODRM, i -> movbe(i, true));
        m.put(MAP_0F38, 0xF1, MODRM, i -> movbe(i, false));
        m.put(ONE_BYTE, 0xD7, BYTE, i -> XLAT);
        m.put(ONE_BYTE, 0x9E, 0, i -> SAHF);
        m.put(ONE_BYTE, 0x9F, 0, i -> LAHF);
        m.putRange(TWO_BYTE, 0x18, 8, MODRM, i -> NOP);
        m.put(TWO_BYTE, 0x0D, MODRM, i -> i.rm >= 0 ? null : NOP);
    }

    public static final Op NOP = Moves::nop;
    static void nop(Cpu c, Insn x) {
        // NOP and its multi-byte forms change nothing but RIP, which the dispatcher sets.
    }

    /** MOV r/m, reg (89) by form; the fast ones are {@link FastForms}'. */
    static final Op STORE_RR64 = Moves::storeRR64;
    static void storeRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), c.reg(x.reg()));
    }

    static final Op STORE_RR32 = Moves::storeRR32;
    static void storeRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), c.reg(x.reg()) & 0xFFFF_FFFFL);
    }

    static final Op STORE_RR = Moves::storeRR;
    static void storeRR(Cpu c, Insn x) {
        c.setReg(x.rm(), x.opSize(), c.reg(x.reg(), x.opSize()));
    }

    static final Op STORE_FLAT64 = Moves::storeFlat64;
    static void storeFlat64(Cpu c, Insn x) {
        c.mmu.write64(Operands.ea(c, x), c.reg(x.reg()));
    }

    static final Op STORE_FLAT32 = Moves::storeFlat32;
    static void storeFlat32(Cpu c, Insn x) {
        c.mmu.write32(Operands.ea(c, x), (int) c.reg(x.reg()));
    }

    static final Op STORE_FLAT8 = Moves::storeFlat8;
    static void storeFlat8(Cpu c, Insn x) {
        c.mmu.write8(Operands.ea(c, x), c.reg8(x.reg()));
    }

    static final Op STORE_SEG64 = Moves::storeSeg64;
    static void storeSeg64(Cpu c, Insn x) {
        c.write64(x.seg(), Operands.ea(c, x), c.reg(x.reg()));
    }

    static final Op STORE_SEG32 = Moves::storeSeg32;
    static void storeSeg32(Cpu c, Insn x) {
        c.write32(x.seg(), Operands.ea(c, x), (int) c.reg(x.reg()));
    }

    static final Op STORE_MEM = Moves::storeMem;
    static void storeMem(Cpu c, Insn x) {
        c.write(x.seg(), Operands.ea(c, x), x.opSize(), c.reg(x.reg(), x.opSize()));
    }


    private static Op storeReg(DecodedInsn i) {
        if (i.rm >= 0) {
            return switch (i.opSize) {
                case 8 -> STORE_RR64;
                case 4 -> STORE_RR32;
                default -> STORE_RR;
            };
        }
        if (i.flat && i.opSize != 2) {
            return i.opSize == 8 ? STORE_FLAT64 : i.opSize == 4 ? STORE_FLAT32 : STORE_FLAT8;
        }
        return switch (i.opSize) {
            case 8 -> STORE_SEG64;
            case 4 -> STORE_SEG32;
            default -> STORE_MEM;
        };
    }

    /** MOV reg, r/m (8B) by form. */
    static final Op LOAD_RR64 = Moves::loadRR64;
    static void loadRR64(Cpu c, Insn x) {
        c.setReg(x.reg(), c.reg(x.rm()));
    }

    static final Op LOAD_RR32 = Moves::loadRR32;
    static void loadRR32(Cpu c, Insn x) {
        c.setReg(x.reg(), c.reg(x.rm()) & 0xFFFF_FFFFL);
    }

    static final Op LOAD_RR = Moves::loadRR;
    static void loadRR(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), c.reg(x.rm(), x.opSize()));
    }

    static final Op LOAD_FLAT64 = Moves::loadFlat64;
    static void loadFlat64(Cpu c, Insn x) {
        c.setReg(x.reg(), c.mmu.read64(Operands.ea(c, x)));
    }

    static final Op LOAD_FLAT32 = Moves::loadFlat32;
    static void loadFlat32(Cpu c, Insn x) {
        c.setReg(x.reg(), c.mmu.read32(Operands.ea(c, x)) & 0xFFFF_FFFFL);
    }

    static final Op LOAD_SEG64 = Moves::loadSeg64;
    static void loadSeg64(Cpu c, Insn x) {
        c.setReg(x.reg(), c.read64(x.seg(), Operands.ea(c, x)));
    }

    static final Op LOAD_SEG32 = Moves::loadSeg32;
    static void loadSeg32(Cpu c, Insn x) {
        c.setReg(x.reg(), c.read32(x.seg(), Operands.ea(c, x)) & 0xFFFF_FFFFL);
    }

    static final Op LOAD_MEM = Moves::loadMem;
    static void loadMem(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), c.read(x.seg(), Operands.ea(c, x), x.opSize()));
    }


    private static Op loadReg(DecodedInsn i) {
        if (i.rm >= 0) {
            return switch (i.opSize) {
                case 8 -> LOAD_RR64;
                case 4 -> LOAD_RR32;
                default -> LOAD_RR;
            };
        }
        if (i.flat && i.opSize >= 4) {
            return i.opSize == 8 ? LOAD_FLAT64 : LOAD_FLAT32;
        }
        return switch (i.opSize) {
            case 8 -> LOAD_SEG64;
            case 4 -> LOAD_SEG32;
            default -> LOAD_MEM;
        };
    }

    /** MOV r/m, imm (C6/C7) to a 64- or 32-bit register: the immediate is already sign-extended to 64 bits. */
    static final Op STORE_IMM_REG64 = Moves::storeImmReg64;
    static void storeImmReg64(Cpu c, Insn x) {
        c.setReg(x.rm(), x.imm());
    }

    static final Op STORE_IMM_REG32 = Moves::storeImmReg32;
    static void storeImmReg32(Cpu c, Insn x) {
        c.setReg(x.rm(), x.imm() & 0xFFFF_FFFFL);
    }


    private static Op storeImm(DecodedInsn i) {
        if (i.sub != 0) {
            return null;
        }
        if (i.rm >= 0 && i.opSize >= 4) {
            return i.opSize == 8 ? STORE_IMM_REG64 : STORE_IMM_REG32;
        }
        if (i.flat && i.opSize == 1) {
            return STORE_IMM_FLAT8;
        }
        return STORE_IMM;
    }

    static final Op STORE_IMM_FLAT8 = Moves::storeImmFlat8;
    static void storeImmFlat8(Cpu c, Insn x) {
        c.mmu.write8(Operands.ea(c, x), (int) x.imm());
    }

    static final Op STORE_IMM = Moves::storeImm;
    static void storeImm(Cpu c, Insn x) {
        Operands.writeRm(c, x, x.opSize(), x.imm());
    }


    /** MOV reg, imm (B0-BF). */
    static final Op MOV_REG_IMM64 = Moves::movRegImm64;
    static void movRegImm64(Cpu c, Insn x) {
        c.setReg(x.reg(), x.imm());
    }

    static final Op MOV_REG_IMM32 = Moves::movRegImm32;
    static void movRegImm32(Cpu c, Insn x) {
        c.setReg(x.reg(), x.imm() & 0xFFFF_FFFFL);
    }

    private static final Op MOV_REG_IMM = (c, x) -> c.setReg(x.reg(), x.opSize(), x.imm());

    private static Op movRegImm(DecodedInsn i) {
        return i.opSize == 8 ? MOV_REG_IMM64 : i.opSize == 4 ? MOV_REG_IMM32 : MOV_REG_IMM;
    }

    private static final Op LOAD_ACC = (c, x) -> c.setReg(Cpu.RAX, x.opSize(), c.read(x.seg(), x.disp() & x.addrMask(), x.opSize()));

    private static final Op STORE_ACC = (c, x) -> c.write(x.seg(), x.disp() & x.addrMask(), x.opSize(), c.reg(Cpu.RAX, x.opSize()));

    static final Op MOV_FROM_SREG = Moves::movFromSreg;
    static void movFromSreg(Cpu c, Insn x) {
        int sel = c.seg(x.sub()).selector();
        if (x.rm() >= 0) {
            c.setReg(x.rm(), x.opSize() == 2 ? 2 : x.opSize(), sel);
        } else {
            c.write16(x.seg(), Operands.ea(c, x), sel);
        }
    }


    private static final Op MOV_TO_SREG = (c, x) -> {
        int sel = (int) Operands.readRm(c, x, 2);
        if (x.sub() == Cpu.SS) {
            Segmentation.loadStack(c, sel);
            c.inhibitInterrupts = true;
            c.stackShadow = true;
        } else {
            Segmentation.loadData(c, x.sub(), sel);
        }
    };

    /** MOVZX reg, r/m8. */
    static final Op MOVZX8 = Moves::movzx8;
    static void movzx8(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), x.rm() >= 0 ? c.reg8(x.rm()) : x.flat() ? c.mmu.read8(Operands.ea(c, x)) : c.read8(x.seg(), Operands.ea(c, x)));
    }


    /** MOVZX r, r/m16; MOVSX r, r/m8 and r/m16; MOVSXD r64, r/m32. */
    static final Op MOVZX16 = Moves::movzx16;
    static void movzx16(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), Operands.readRm(c, x, 2));
    }

    static final Op MOVSX8 = Moves::movsx8;
    static void movsx8(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), Flags.sx(Operands.readRm(c, x, 1), 1));
    }

    static final Op MOVSX16 = Moves::movsx16;
    static void movsx16(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), Flags.sx(Operands.readRm(c, x, 2), 2));
    }

    static final Op MOVSXD = Moves::movsxd;
    static void movsxd(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), Flags.sx(Operands.readRm(c, x, 4), 4));
    }


    /** LEA: the effective address is already masked to the address size. */
    static final Op LEA64 = Moves::lea64;
    static void lea64(Cpu c, Insn x) {
        c.setReg(x.reg(), Operands.ea(c, x));
    }

    static final Op LEA32 = Moves::lea32;
    static void lea32(Cpu c, Insn x) {
        c.setReg(x.reg(), Operands.ea(c, x) & 0xFFFF_FFFFL);
    }

    private static final Op LEA = (c, x) -> c.setReg(x.reg(), x.opSize(), Operands.ea(c, x));

    private static Op lea(DecodedInsn i) {
        if (i.rm >= 0) {
            return null;
        }
        return i.opSize == 8 ? LEA64 : i.opSize == 4 ? LEA32 : LEA;
    }

    private static final Op XCHG_RM = (c, x) -> {
        int s = x.opSize();
        long r = c.reg(x.reg(), s);
        if (x.rm() >= 0) {
            c.setReg(x.reg(), s, c.reg(x.rm(), s));
            c.setReg(x.rm(), s, r);
            return;
        }
        long lin = Operands.linearRmw(c, x, s);
        long m = c.mmu.readForWrite(lin, s);
        c.mmu.write(lin, s, r);
        c.setReg(x.reg(), s, m);
    };

    private static Op xchgAcc(DecodedInsn i) {
        if (i.reg == Cpu.RAX) {
            return i.hasPrefix(Insn.P_REP) ? PAUSE : NOP;
        }
        return (c, x) -> {
            int s = x.opSize();
            long a = c.reg(Cpu.RAX, s);
            c.setReg(Cpu.RAX, s, c.reg(x.reg(), s));
            c.setReg(x.reg(), s, a);
        };
    }

    private static final Op PAUSE = (c, x) -> c.pause(x.rip());

    static final Op WIDEN_ACC = Moves::widenAcc;
    static void widenAcc(Cpu c, Insn x) {
        int s = x.opSize();
        c.setReg(Cpu.RAX, s, Flags.sx(c.reg(Cpu.RAX), s / 2));
    }


    static final Op SIGN_TO_RDX = Moves::signToRdx;
    static void signToRdx(Cpu c, Insn x) {
        int s = x.opSize();
        c.setReg(Cpu.RDX, s, Flags.sx(c.reg(Cpu.RAX), s) < 0 ? -1L : 0);
    }


    /** CMOVcc and SETcc: the condition is the opcode's low four bits. */
    static final Op CMOV = Moves::cmov;
    static void cmov(Cpu c, Insn x) {
        int s = x.opSize();
        long v = Operands.readRm(c, x, s);
        if (c.flags.condition(x.opcode() & 0xF)) {
            c.setReg(x.reg(), s, v);
        } else if (s == 4) {
            c.setReg(x.reg(), 4, c.reg(x.reg()));
        }
    }


    static final Op SETCC = Moves::setcc;
    static void setcc(Cpu c, Insn x) {
        Operands.writeRm(c, x, 1, c.flags.condition(x.opcode() & 0xF) ? 1 : 0);
    }


    static final Op BSWAP = Moves::bswap;
    static void bswap(Cpu c, Insn x) {
        switch (x.opSize()) {
            case 8 -> c.setReg(x.reg(), Long.reverseBytes(c.reg(x.reg())));
            case 4 -> c.setReg(x.reg(), 4, Integer.reverseBytes((int) c.reg(x.reg())));
            default -> c.setReg(x.reg(), 2, 0);
        }
    }


    private static Op movbe(DecodedInsn i, boolean load) {
        if (i.rm >= 0 || i.hasPrefix(Insn.P_REPNE) || i.hasPrefix(Insn.P_REP)) {
            return null;
        }
        if (load) {
            return (c, x) -> c.setReg(x.reg(), x.opSize(), swap(c.read(x.seg(), Operands.ea(c, x), x.opSize()), x.opSize()));
        }
        return (c, x) -> c.write(x.seg(), Operands.ea(c, x), x.opSize(), swap(c.reg(x.reg(), x.opSize()), x.opSize()));
    }

    private static long swap(long v, int size) {
        return switch (size) {
            case 2 -> Short.reverseBytes((short) v) & 0xFFFF;
            case 4 -> Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
            default -> Long.reverseBytes(v);
        };
    }

    private static final Op XLAT = (c, x) -> {
        long ea = (c.reg(Cpu.RBX) + (c.reg(Cpu.RAX) & 0xFF)) & x.addrMask();
        c.setReg8(Cpu.RAX, c.read8(x.seg(), ea));
    };

    private static final Op SAHF = (c, x) -> {
        long ah = (c.reg(Cpu.RAX) >>> 8) & (Flags.SF | Flags.ZF | Flags.AF | Flags.PF | Flags.CF);
        c.flags.setBits((c.flags.bits() & Flags.OF) | ah);
    };

    private static final Op LAHF = (c, x) -> c.setReg8(16, c.rflags() & 0xFF);
}
