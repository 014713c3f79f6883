package jvisor.engine.emu.fpu;

/** The bits of MXCSR, the SSE control and status register. */
public final class Mxcsr {
    private Mxcsr() { }

    /** Exception flags IE..PE, the same layout as {@link SoftFloat#IE}..{@link SoftFloat#PE}. */
    public static final int FLAGS = 0x3F;
    public static final int DAZ = 1 << 6;
    /** Exception masks, bits 7-12, in flag order. */
    public static final int MASKS = 0x3F << 7;
    public static final int RC_SHIFT = 13;
    public static final int FZ = 1 << 15;
    /** After RESET and what FXSAVE of a fresh state shows: all exceptions masked, round to nearest. */
    public static final int DEFAULT = 0x1F80;
    /** The bits LDMXCSR and FXRSTOR accept (FXSAVE reports it as MXCSR_MASK); others raise #GP. */
    public static final int WRITABLE = 0xFFFF;
}
