package jvisor.engine.emu.decode;

/**
 * One decoded instruction: its handler, its operands and where it lies. Immutable, so the JIT can
 * fold its fields into compiled blocks. Register numbers follow the architectural encoding (RAX =
 * 0 ... R15 = 15); byte registers 16-19 are AH, CH, DH, BH.
 *
 * <p>Its fields are as narrow as their values, so that an instruction takes 64 bytes rather than
 * a record's 128 and a copy of its bytes (those are its block's): the interpreter runs code that
 * has not become hot from here, and in a Linux boot most of its time went on cache misses loading
 * instructions (the README's "Decoded instructions, narrower").
 */
public final class Insn {
    private final Op op;
    private final long rip;
    private final long disp;
    private final long imm;
    private final long imm2;
    private final short opcode;
    private final short prefixes;
    /** Unsigned: the forms are fewer than 256. */
    private final byte fastForm;
    private final byte opSize;
    private final byte addrSize;
    private final byte reg;
    private final byte rm;
    private final byte base;
    private final byte index;
    private final byte seg;
    private final byte sub;
    private final byte vreg;
    private final byte length;
    /** {@link #FLAT}, {@link #MODE64}, {@link #ENDS_BLOCK}, where the instruction pointer wraps, the scale. */
    private final byte bits;

    private static final int FLAT = 1;
    private static final int MODE64 = 1 << 1;
    private static final int ENDS_BLOCK = 1 << 2;
    /**
     * Bits 3-4: where the instruction pointer wraps, as the shift that makes its mask from -1 in
     * units of 16 bits: 0 (64-bit), 2 (32-bit), 3 (16-bit).
     */
    private static final int IP_WRAP_SHIFT = 3;
    private static final int[] IP_WRAPS = {0, 2, 3};
    /** Bits 5-6: the index's scale as a shift count. */
    private static final int SCALE_SHIFT = 5;

    /**
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
     * @param flat      64-bit mode with DS or ES: the effective address is the linear address
     * @param imm       first immediate (sign-extended where the encoding says so)
     * @param imm2      second immediate (far selector, ENTER level), or a resolved branch target
     * @param sub       the raw ModRM reg field: the operation of a group opcode
     * @param vreg      VEX.vvvv register
     * @param prefixes  {@code P_*} bits
     * @param opcode    map and opcode byte: 0x00xx one-byte, 0x0Fxx, 0x38xx, 0x3Axx
     * @param rip       where the instruction starts
     * @param nextRip   where the next one starts: rip + length, wrapped at 16, 32 or 64 bits
     * @param length    length in bytes
     * @param mode64    decoded in 64-bit mode
     * @param endsBlock the last instruction of its block (control transfer, mode change, halt)
     */
    public Insn(Op op, int fastForm, int opSize, int addrSize, int reg, int rm, int base, int index, int scale,
                long disp, int seg, boolean flat, long imm, long imm2, int sub, int vreg, int prefixes, int opcode,
                long rip, long nextRip, int length, boolean mode64, boolean endsBlock) {
        this.op = op;
        if (fastForm >>> 8 != 0 || scale >>> 2 != 0) {
            throw new IllegalArgumentException("fast form " + fastForm + " or scale " + scale + " out of range");
        }
        this.fastForm = (byte) fastForm;
        this.opSize = (byte) opSize;
        this.addrSize = (byte) addrSize;
        this.reg = (byte) reg;
        this.rm = (byte) rm;
        this.base = (byte) base;
        this.index = (byte) index;
        this.disp = disp;
        this.seg = (byte) seg;
        this.imm = imm;
        this.imm2 = imm2;
        this.sub = (byte) sub;
        this.vreg = (byte) vreg;
        this.prefixes = (short) prefixes;
        this.opcode = (short) opcode;
        this.rip = rip;
        this.length = (byte) length;
        this.bits = (byte) ((flat ? FLAT : 0) | (mode64 ? MODE64 : 0) | (endsBlock ? ENDS_BLOCK : 0)
                | ipWrap(rip, nextRip, length) << IP_WRAP_SHIFT | scale << SCALE_SHIFT);
    }

    /** 0, 2 or 3: the widest of 64, 32 and 16 bits at which rip + length wraps to nextRip. */
    private static int ipWrap(long rip, long nextRip, int length) {
        for (int wrap : IP_WRAPS) {
            if (((rip + length) & ipMask(wrap)) == nextRip) {
                return wrap;
            }
        }
        throw new IllegalArgumentException("next RIP " + Long.toHexString(nextRip) + " is not RIP "
                + Long.toHexString(rip) + " + " + length);
    }

    private static long ipMask(int wrap) {
        return -1L >>> (wrap << 4);
    }

    public Op op() {
        return op;
    }

    public int fastForm() {
        return fastForm & 0xFF;
    }

    public int opSize() {
        return opSize;
    }

    public int addrSize() {
        return addrSize;
    }

    public int reg() {
        return reg;
    }

    public int rm() {
        return rm;
    }

    public int base() {
        return base;
    }

    public int index() {
        return index;
    }

    public int scale() {
        return bits >>> SCALE_SHIFT & 3;
    }

    public long disp() {
        return disp;
    }

    public int seg() {
        return seg;
    }

    /** The address-size mask applied to effective addresses. */
    public long addrMask() {
        return -1L >>> (64 - (addrSize << 3));
    }

    public boolean flat() {
        return (bits & FLAT) != 0;
    }

    public long imm() {
        return imm;
    }

    public long imm2() {
        return imm2;
    }

    public int sub() {
        return sub;
    }

    public int vreg() {
        return vreg;
    }

    public int prefixes() {
        return prefixes;
    }

    public int opcode() {
        return opcode & 0xFFFF;
    }

    public long rip() {
        return rip;
    }

    public long nextRip() {
        return (rip + length) & ipMask(bits >>> IP_WRAP_SHIFT & 3);
    }

    public int length() {
        return length;
    }

    public boolean mode64() {
        return (bits & MODE64) != 0;
    }

    public boolean endsBlock() {
        return (bits & ENDS_BLOCK) != 0;
    }

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
        return String.format("%x: opcode %x, size %d, length %d", rip, opcode(), opSize, length);
    }
}
