package jvisor.engine.emu.decode;

import java.util.HexFormat;

/**
 * One decoded instruction: its handler, its operands and where it lies. Immutable, so the JIT can
 * fold its fields into compiled blocks. Register numbers follow the architectural encoding (RAX =
 * 0 ... R15 = 15); byte registers 16-19 are AH, CH, DH, BH.
 *
 * @param op        the handler
 * @param fastForm  the interpreter's number for a frequent handler (0: none): it runs the handler
 *                  from a switch, without the interface call
 * @param opSize    operand size in bytes: 1, 2, 4 or 8
 * @param addrSize  address size in bytes: 2, 4 or 8
 * @param reg       the ModRM reg operand (with REX.R), or the register of a +r opcode
 * @param rm        the ModRM r/m register, or {@link #NONE} when r/m is memory
 * @param base      base register of the memory operand, or {@link #NONE}
 * @param index     index register, or {@link #NONE}
 * @param scale     index scale as a shift count
 * @param disp      displacement (absolute for RIP-relative operands)
 * @param seg       segment register of the memory operand (default or override)
 * @param addrMask  the address-size mask applied to effective addresses
 * @param flat      64-bit mode with DS or ES: the effective address is the linear address
 * @param imm       first immediate (sign-extended where the encoding says so)
 * @param imm2      second immediate (far selector, ENTER level), or a resolved branch target
 * @param sub       the raw ModRM reg field: the operation of a group opcode
 * @param vreg      VEX.vvvv register
 * @param prefixes  {@code P_*} bits
 * @param opcode    map and opcode byte: 0x00xx one-byte, 0x0Fxx, 0x38xx, 0x3Axx
 * @param rip       where the instruction starts
 * @param nextRip   where the next one starts
 * @param length    length in bytes
 * @param mode64    decoded in 64-bit mode
 * @param endsBlock the last instruction of its block (control transfer, mode change, halt)
 * @param bytes     the instruction's bytes
 */
public record Insn(Op op, int fastForm, int opSize, int addrSize, int reg, int rm, int base, int index, int scale, long disp,
                   int seg, long addrMask, boolean flat, long imm, long imm2, int sub, int vreg, int prefixes,
                   int opcode, long rip, long nextRip, int length, boolean mode64, boolean endsBlock, byte[] bytes) {
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

    public boolean hasPrefix(int p) {
        return (prefixes & p) != 0;
    }

    public boolean isMemory() {
        return rm == NONE;
    }

    /** CALL rel32 or CALL r/m (FF /2): a call whose RET comes back to {@link #nextRip}. */
    public boolean isNearCall() {
        return opcode == 0xE8 || (opcode == 0xFF && sub == 2);
    }

    @Override
    public String toString() {
        String hex = bytes == null ? "" : HexFormat.ofDelimiter(" ").formatHex(bytes);
        return String.format("%x: %s (opcode %x, size %d)", rip, hex, opcode, opSize);
    }
}
