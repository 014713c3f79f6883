package jvisor.engine.emu.decode;

/**
 * What the decoder needs to know about an opcode to find the instruction's end (ModRM,
 * immediates), how to size its operands, and which handler to give it.
 */
public record OpcodeSpec(int form, Builder builder) {
    public static final int MODRM = 1;
    /** An 8-bit immediate, sign-extended into {@link Insn#imm()}. */
    public static final int IMM8 = 1 << 1;
    /** A 16-bit immediate, zero-extended. */
    public static final int IMM16 = 1 << 2;
    /** A 16- or 32-bit immediate by operand size, sign-extended (a 64-bit operation takes 32 bits). */
    public static final int IMMZ = 1 << 3;
    /** A full-size immediate: 2, 4 or 8 bytes (MOV r, imm64). */
    public static final int IMMV = 1 << 4;
    /** An address-sized offset (MOV AL, moffs). */
    public static final int MOFFS = 1 << 5;
    /** A far pointer: offset (2 or 4 bytes) then a selector. */
    public static final int FAR = 1 << 6;
    /** Byte operands. */
    public static final int BYTE = 1 << 7;
    /** 64-bit operand size by default in 64-bit mode (push, pop, ...); 66 gives 16. */
    public static final int DEF64 = 1 << 8;
    /** Always 64-bit in 64-bit mode (near branches: Intel ignores 66). */
    public static final int FORCE64 = 1 << 9;
    /** #UD in 64-bit mode. */
    public static final int INV64 = 1 << 10;
    /** Ends the basic block (control transfer, mode change, halt). */
    public static final int ENDS = 1 << 11;
    /** ENTER: a 16-bit then an 8-bit immediate. */
    public static final int IMM16_8 = 1 << 12;
    /** F6/F7: an immediate only for TEST (ModRM reg 0 and 1). */
    public static final int TEST_IMM = 1 << 13;
    /** LOCK is allowed (with a memory destination). */
    public static final int LOCKABLE = 1 << 14;
    /** The operand is the register in the opcode's low three bits (+r forms). */
    public static final int PLUS_R = 1 << 15;
    /** 32-bit operand size in 64-bit mode regardless of REX.W is not wanted: size 8 forced (MOV CR/DR). */
    public static final int SIZE64 = 1 << 16;
    /** Only valid in 64-bit mode. */
    public static final int ONLY64 = 1 << 17;
    /** The r/m operand is a byte register even though the operation is wider (MOVZX, MOVSX). */
    public static final int RM_BYTE = 1 << 18;
    /** The ModRM mod field is ignored and r/m is always a register (MOV to/from CR and DR). */
    public static final int MOD_REG = 1 << 19;

    /** Chooses the handler for a decoded instruction, or returns null for an invalid encoding (#UD). */
    @FunctionalInterface
    public interface Builder {
        Op build(DecodedInsn i);
    }

    public boolean has(int flag) {
        return (form & flag) != 0;
    }
}
