package jvisor.engine.emu.decode;

import java.util.HexFormat;

/**
 * One decoded instruction: its handler, its operands and where it lies. Filled by the
 * {@link Decoder}, then only read. Register numbers follow the architectural encoding (RAX = 0 ...
 * R15 = 15); byte registers 16-19 are AH, CH, DH, BH.
 */
public final class Insn {
    public static final int P_LOCK = 1;
    public static final int P_REP = 1 << 1;
    public static final int P_REPNE = 1 << 2;
    public static final int P_OPSIZE = 1 << 3;
    public static final int P_ADSIZE = 1 << 4;
    public static final int P_REX = 1 << 5;
    public static final int P_REXW = 1 << 6;
    public static final int P_SEG = 1 << 7;
    public static final int P_VEX = 1 << 8;
    public static final int P_VEXL = 1 << 9;

    /** {@link #base} value for "no base register". */
    public static final int NONE = -1;

    public Op op;
    /** Operand size in bytes: 1, 2, 4 or 8. */
    public int opSize;
    /** Address size in bytes: 2, 4 or 8. */
    public int addrSize;
    /** The ModRM reg operand (with REX.R), or the register of a +r opcode. */
    public int reg;
    /** The ModRM r/m register, or {@link #NONE} when r/m is memory. */
    public int rm = NONE;
    public int base = NONE;
    public int index = NONE;
    public int scale;
    public long disp;
    /** The segment register of the memory operand (default or override). */
    public int seg;
    public long addrMask;
    /** 64-bit mode with DS or ES: the effective address is the linear address, no segment check needed. */
    public boolean flat;
    public long imm;
    public long imm2;
    /** The raw ModRM reg field (0-7): the operation of a group opcode. */
    public int sub;
    /** The VEX.vvvv register (BMI forms). */
    public int vreg;
    public int prefixes;
    /** Map and opcode byte: 0x00xx one-byte, 0x0Fxx, 0x38xx (0F 38), 0x3Axx (0F 3A). */
    public int opcode;
    public long rip;
    public long nextRip;
    public int length;
    public boolean mode64;
    /** The instruction may change control flow or processor mode: it is the last of its block. */
    public boolean endsBlock;
    public byte[] bytes;

    public boolean hasPrefix(int p) {
        return (prefixes & p) != 0;
    }

    public boolean isMemory() {
        return rm == NONE;
    }

    @Override
    public String toString() {
        String hex = bytes == null ? "" : HexFormat.ofDelimiter(" ").formatHex(bytes);
        return String.format("%x: %s (opcode %x, size %d)", rip, hex, opcode, opSize);
    }
}
