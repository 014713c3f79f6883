package jvisor.engine.emu.decode;

/**
 * An instruction while it is being decoded: the {@link Decoder} fills it, the opcode's builder
 * reads it (and may adjust the operand size) to choose a handler, then {@link #freeze()} turns it
 * into the immutable {@link Insn} the handler runs with. Prefix constants and register numbering
 * are {@link Insn}'s.
 */
public final class DecodedInsn {

    private static final int NONE = Insn.NONE;

    public Op op;
    /** The interpreter's number for {@link #op} if it is a frequent form, else 0 ({@link Insn#fastForm}). */
    public int fastForm;
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

    /** The finished instruction. */
    public Insn freeze() {
        return new Insn(op, fastForm, opSize, addrSize, reg, rm, base, index, scale, disp, seg, flat, imm, imm2, sub,
                vreg, prefixes, opcode, rip, nextRip, length, mode64, endsBlock);
    }

    @Override
    public String toString() {
        return freeze().toString();
    }
}
