package jvisor.engine.emu.fpu;

/**
 * The floating-point and SIMD state of one processor, apart from the integer core: the x87
 * register stack (eight 80-bit physical registers, the stack top, control, status and tag words,
 * the last instruction and operand pointers), the MMX view of the x87 registers, XMM0-15 and
 * MXCSR. The tag word is kept as one "empty" bit per register, as hardware does; the full
 * two-bit tags FNSTENV reports are computed from the register contents.
 */
public final class FpuState {
    public static final int FCW_DEFAULT = 0x037F;
    public static final int FCW_RESET = 0x0040;

    public static final int SW_IE = 1;
    public static final int SW_SF = 1 << 6;
    public static final int SW_ES = 1 << 7;
    public static final int SW_C0 = 1 << 8;
    public static final int SW_C1 = 1 << 9;
    public static final int SW_C2 = 1 << 10;
    public static final int SW_C3 = 1 << 14;
    public static final int SW_B = 1 << 15;
    public static final int SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

    /** The control-word bits that exist: FLDCW drops the reserved ones and keeps bit 6 set. */
    public static final int FCW_BITS = 0x1F3F;
    public static final int FCW_ONES = 0x0040;

    public static final int TAG_VALID = 0;
    public static final int TAG_ZERO = 1;
    public static final int TAG_SPECIAL = 2;
    public static final int TAG_EMPTY = 3;

    /** The significands of the physical registers R0-R7 (also MM0-MM7). */
    public final long[] sig = new long[8];
    /** Sign and biased exponent of R0-R7, 16 bits each. */
    public final int[] sexp = new int[8];
    /** The x87 control word. */
    public int control;
    /** The x87 status word without TOP (bits 11-13 are kept in {@link #top}). */
    public int status;
    public int top;
    /** Bit i set: physical register i is empty. */
    public int empty;
    /** Last non-control instruction: its address, code selector and 11-bit opcode. */
    public long lastIp;
    public int lastCs;
    public int lastOpcode;
    /** Last memory operand of a non-control instruction: offset and data selector. */
    public long lastDp;
    public int lastDs;

    /** XMM0-15: register n's low quadword at [2n], high at [2n+1]. */
    public final long[] xmm = new long[32];
    public int mxcsr;

    /** The 128-bit source operand of the SSE instruction being executed. */
    public long srcLo;
    public long srcHi;

    /** The soft-float unit all instructions use. */
    public final SoftFloat sf = new SoftFloat();
    /** A scratch 512-byte area for FXSAVE/FXRSTOR and FNSAVE/FRSTOR images. */
    public final byte[] image = new byte[512];

    public FpuState() {
        reset();
    }

    /** The state after RESET: FCW 0x40, all registers +0.0 and tagged non-empty, MXCSR default, XMM zero. */
    public void reset() {
        initX87();
        java.util.Arrays.fill(sig, 0);
        java.util.Arrays.fill(sexp, 0);
        control = FCW_RESET;
        empty = 0;
        java.util.Arrays.fill(xmm, 0);
        mxcsr = Mxcsr.DEFAULT;
    }

    /** FNINIT: control word 0x37F, status and pointers cleared, every register empty (contents kept). */
    public void initX87() {
        control = FCW_DEFAULT;
        status = 0;
        top = 0;
        empty = 0xFF;
        lastIp = 0;
        lastCs = 0;
        lastOpcode = 0;
        lastDp = 0;
        lastDs = 0;
    }

    /**
     * XSAVE's initial configuration of the x87 component, which XRSTOR loads when the image says
     * the component is in it: FNINIT's state with every register zero.
     */
    public void initX87Component() {
        initX87();
        java.util.Arrays.fill(sig, 0);
        java.util.Arrays.fill(sexp, 0);
    }

    /**
     * Loads the control and status words as FLDENV, FRSTOR and FXRSTOR do: reserved control bits
     * dropped, and ES/B recomputed from the exception flags the control word leaves unmasked.
     */
    public void loadControlAndStatus(int fcw, int fsw) {
        control = (fcw & FCW_BITS) | FCW_ONES;
        setStatusWord(fsw);
        updateErrorSummary();
    }

    /** ES and B: set if any exception flag is unmasked, else clear. */
    public void updateErrorSummary() {
        if ((status & ~control & 0x3F) != 0) {
            status |= SW_ES | SW_B;
        } else {
            status &= ~(SW_ES | SW_B);
        }
    }

    public int statusWord() {
        return (status & ~(7 << 11)) | (top << 11);
    }

    public void setStatusWord(int v) {
        status = v & 0xC7FF;
        top = (v >>> 11) & 7;
    }

    /** The physical register of ST(i). */
    public int phys(int i) {
        return (top + i) & 7;
    }

    public boolean isEmpty(int i) {
        return (empty & (1 << phys(i))) != 0;
    }

    /** Writes ST(i) and marks it in use. */
    public void set(int i, int sexpValue, long sigValue) {
        int p = phys(i);
        sexp[p] = sexpValue & 0xFFFF;
        sig[p] = sigValue;
        empty &= ~(1 << p);
    }

    public int sexpOf(int i) {
        return sexp[phys(i)];
    }

    public long sigOf(int i) {
        return sig[phys(i)];
    }

    /** Moves the top down; the caller has checked ST(7) is empty (else: stack overflow). */
    public void push(int sexpValue, long sigValue) {
        top = (top - 1) & 7;
        set(0, sexpValue, sigValue);
    }

    /** Marks ST(0) empty and moves the top up. */
    public void pop() {
        empty |= 1 << top;
        top = (top + 1) & 7;
    }

    /** The two-bit tag of physical register {@code p}, from its contents. */
    public int tag(int p) {
        if ((empty & (1 << p)) != 0) {
            return TAG_EMPTY;
        }
        int e = sexp[p] & 0x7FFF;
        long m = sig[p];
        if (e == 0x7FFF) {
            return TAG_SPECIAL;
        }
        if (e == 0) {
            return m == 0 ? TAG_ZERO : TAG_SPECIAL;
        }
        return m < 0 ? TAG_VALID : TAG_SPECIAL;
    }

    /** The full tag word, two bits per physical register. */
    public int tagWord() {
        int t = 0;
        for (int p = 0; p < 8; p++) {
            t |= tag(p) << (2 * p);
        }
        return t;
    }

    /** Loads a full tag word: only "empty or not" is kept, as hardware does. */
    public void setTagWord(int t) {
        int e = 0;
        for (int p = 0; p < 8; p++) {
            if (((t >>> (2 * p)) & 3) == TAG_EMPTY) {
                e |= 1 << p;
            }
        }
        empty = e;
    }

    /** The abridged tag FXSAVE stores: one bit per physical register, 1 = in use. */
    public int abridgedTag() {
        return ~empty & 0xFF;
    }

    /** MMX instructions use the x87 registers as MM0-7: TOP becomes 0 and every register is in use. */
    public void enterMmx() {
        top = 0;
        empty = 0;
    }

    /** Writes MMi: the register's exponent field becomes all ones, as on hardware. */
    public void setMmx(int i, long v) {
        sig[i] = v;
        sexp[i] = 0xFFFF;
    }
}
