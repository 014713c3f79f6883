package jvisor.engine.emu.cpu;

/**
 * The arithmetic flags (CF, PF, AF, ZF, SF, OF), computed lazily: an instruction records what it
 * did (a kind and its operands, sign-extended from the operand size to 64 bits) and a flag is only
 * worked out when something reads it. Sign extension makes the formulas independent of the
 * operand size: unsigned order, the sign bit and bit 4 survive it unchanged.
 */
public final class Flags {
    public static final long CF = 1L;
    public static final long FIXED = 1L << 1;
    public static final long PF = 1L << 2;
    public static final long AF = 1L << 4;
    public static final long ZF = 1L << 6;
    public static final long SF = 1L << 7;
    public static final long TF = 1L << 8;
    public static final long IF = 1L << 9;
    public static final long DF = 1L << 10;
    public static final long OF = 1L << 11;
    public static final long IOPL = 3L << 12;
    public static final long NT = 1L << 14;
    public static final long RF = 1L << 16;
    public static final long VM = 1L << 17;
    public static final long AC = 1L << 18;
    public static final long VIF = 1L << 19;
    public static final long VIP = 1L << 20;
    public static final long ID = 1L << 21;
    public static final long ARITH = CF | PF | AF | ZF | SF | OF;

    /** res = dst + src. */
    public static final int ADD = 0;
    /** res = dst + src + 1 (ADC with carry in). */
    public static final int ADC = 1;
    /** res = dst - src. */
    public static final int SUB = 2;
    /** res = dst - src - 1 (SBB with borrow in). */
    public static final int SBB = 3;
    /** AND/OR/XOR/TEST: CF = OF = AF = 0. */
    public static final int LOGIC = 4;
    /** res = dst + 1; src holds the unchanged CF. */
    public static final int INC = 5;
    /** res = dst - 1; src holds the unchanged CF. */
    public static final int DEC = 6;
    /** ZF, SF and PF from res; CF, OF and AF are the bits in src. */
    public static final int RESULT = 7;
    /** Every flag is the bit in src. */
    public static final int EXPLICIT = 8;

    private int kind = EXPLICIT;
    private long dst;
    private long src;
    private long res;

    /** Sign-extends the low {@code size} bytes of {@code v}. */
    public static long sx(long v, int size) {
        int sh = 64 - (size << 3);
        return v << sh >> sh;
    }

    /** Records an operation; the operands are sign-extended here. */
    public void set(int kind, long dst, long src, long res, int size) {
        int sh = 64 - (size << 3);
        this.kind = kind;
        this.dst = dst << sh >> sh;
        this.src = src << sh >> sh;
        this.res = res << sh >> sh;
    }

    /** Records an operation whose operands are already sign-extended to 64 bits (the fast paths). */
    public void set64(int kind, long dst, long src, long res) {
        this.kind = kind;
        this.dst = dst;
        this.src = src;
        this.res = res;
    }

    /** A logic result already sign-extended to 64 bits. */
    public void logic64(long res) {
        this.kind = LOGIC;
        this.res = res;
    }

    /** A logic result: CF = OF = AF = 0, the rest from {@code res}. */
    public void logic(long res, int size) {
        int sh = 64 - (size << 3);
        this.kind = LOGIC;
        this.res = res << sh >> sh;
    }

    /** ZF/SF/PF from {@code res}, CF/OF/AF given. */
    public void result(long res, int size, long cfOfAf) {
        int sh = 64 - (size << 3);
        this.kind = RESULT;
        this.res = res << sh >> sh;
        this.src = cfOfAf;
    }

    /** INC or DEC: CF keeps its value. */
    public void incDec(boolean inc, long dst, long res, int size) {
        long carry = cf() ? 1 : 0;
        int sh = 64 - (size << 3);
        this.kind = inc ? INC : DEC;
        this.dst = dst << sh >> sh;
        this.res = res << sh >> sh;
        this.src = carry;
    }

    /** INC or DEC on operands already sign-extended to 64 bits (compiled code): CF keeps its value. */
    public void incDec64(int kind, long dst, long res) {
        long carry = cf() ? 1 : 0;
        this.kind = kind;
        this.dst = dst;
        this.res = res;
        this.src = carry;
    }

    /** Sets every arithmetic flag from the bits of {@code rflags}. */
    public void setBits(long rflags) {
        kind = EXPLICIT;
        src = rflags & ARITH;
    }

    /** The arithmetic flags as RFLAGS bits. */
    public long bits() {
        if (kind == EXPLICIT) {
            return src;
        }
        return (cf() ? CF : 0) | (pf() ? PF : 0) | (af() ? AF : 0) | (zf() ? ZF : 0)
                | (sf() ? SF : 0) | (of() ? OF : 0);
    }

    public boolean cf() {
        return cf(kind, dst, src, res);
    }

    public boolean zf() {
        return zf(kind, src, res);
    }

    public boolean sf() {
        return sf(kind, src, res);
    }

    public boolean pf() {
        return pf(kind, src, res);
    }

    public boolean af() {
        return af(kind, dst, src, res);
    }

    public boolean of() {
        return of(kind, dst, src, res);
    }

    /** Condition code {@code cc} (the low nibble of Jcc/SETcc/CMOVcc). */
    public boolean condition(int cc) {
        return condition(cc, kind, dst, src, res);
    }

    // One method per condition, so each Jcc/SETcc/CMOVcc handler calls straight into its test.

    public boolean below() {
        return kind == SUB ? Long.compareUnsigned(dst, src) < 0 : cf();
    }

    public boolean belowOrEqual() {
        return kind == SUB ? Long.compareUnsigned(dst, src) <= 0 : kind == LOGIC ? res == 0 : cf() || zf();
    }

    public boolean less() {
        return kind == SUB ? dst < src : kind == LOGIC ? res < 0 : sf() != of();
    }

    public boolean lessOrEqual() {
        return kind == SUB ? dst <= src : kind == LOGIC ? res <= 0 : zf() || sf() != of();
    }

    // The recorded operation as values, for compiled code that keeps it in local variables.

    public int kind() {
        return kind;
    }

    public long dst() {
        return dst;
    }

    public long src() {
        return src;
    }

    public long res() {
        return res;
    }

    // The formulas over a recorded operation, shared with compiled code.

    public static boolean cf(int kind, long dst, long src, long res) {
        return switch (kind) {
            case ADD -> Long.compareUnsigned(res, dst) < 0;
            case ADC -> Long.compareUnsigned(res, dst) <= 0;
            case SUB -> Long.compareUnsigned(dst, src) < 0;
            case SBB -> Long.compareUnsigned(dst, src) <= 0;
            case LOGIC -> false;
            case INC, DEC -> src != 0;
            default -> (src & CF) != 0;
        };
    }

    public static boolean zf(int kind, long src, long res) {
        return kind == EXPLICIT ? (src & ZF) != 0 : res == 0;
    }

    public static boolean sf(int kind, long src, long res) {
        return kind == EXPLICIT ? (src & SF) != 0 : res < 0;
    }

    public static boolean pf(int kind, long src, long res) {
        return kind == EXPLICIT ? (src & PF) != 0 : (Integer.bitCount((int) res & 0xFF) & 1) == 0;
    }

    public static boolean af(int kind, long dst, long src, long res) {
        return switch (kind) {
            case ADD, ADC, SUB, SBB -> ((dst ^ src ^ res) & AF) != 0;
            case INC, DEC -> ((dst ^ res) & AF) != 0;
            case LOGIC -> false;
            default -> (src & AF) != 0;
        };
    }

    public static boolean of(int kind, long dst, long src, long res) {
        return switch (kind) {
            case ADD, ADC -> ((dst ^ res) & (src ^ res)) < 0;
            case SUB, SBB -> ((dst ^ src) & (dst ^ res)) < 0;
            case INC -> (~dst & res) < 0;
            case DEC -> (dst & ~res) < 0;
            case LOGIC -> false;
            default -> (src & OF) != 0;
        };
    }

    public static boolean condition(int cc, int kind, long dst, long src, long res) {
        boolean v = switch (cc >> 1) {
            case 0 -> of(kind, dst, src, res);
            case 1 -> cf(kind, dst, src, res);
            case 2 -> zf(kind, src, res);
            case 3 -> cf(kind, dst, src, res) || zf(kind, src, res);
            case 4 -> sf(kind, src, res);
            case 5 -> pf(kind, src, res);
            case 6 -> sf(kind, src, res) != of(kind, dst, src, res);
            default -> zf(kind, src, res) || sf(kind, src, res) != of(kind, dst, src, res);
        };
        return v ^ ((cc & 1) != 0);
    }
}
