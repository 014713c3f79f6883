package jvisor.engine.emu.fpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 512-byte FXSAVE layout: FCW, FSW, the abridged tag byte, FOP, the instruction and data
 * pointers (as 32-bit offset plus selector, or with REX.W as 64-bit addresses), MXCSR and
 * MXCSR_MASK, ST0-ST7 in stack order (16-byte slots) and the XMM registers. Bytes the processor
 * does not define here (slot padding, 416-511) are left as they are.
 */
public final class FxsaveImage {
    private FxsaveImage() { }

    public static final int SIZE = 512;
    private static final int ST = 32;
    private static final int XMM = 160;

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static int u16(byte[] b, int at) {
        return (short) U16.get(b, at) & 0xFFFF;
    }

    static void put16(byte[] b, int at, int v) {
        U16.set(b, at, (short) v);
    }

    static int u32(byte[] b, int at) {
        return (int) U32.get(b, at);
    }

    static void put32(byte[] b, int at, int v) {
        U32.set(b, at, v);
    }

    public static long u64(byte[] b, int at) {
        return (long) U64.get(b, at);
    }

    public static void put64(byte[] b, int at, long v) {
        U64.set(b, at, v);
    }

    /** How many bytes of the image a save defines: through XMM7, or XMM15 in 64-bit mode. */
    public static int definedBytes(int xmmCount) {
        return XMM + 16 * xmmCount;
    }

    /** Writes the state into {@code b}: {@code wide} is the REX.W form, {@code xmmCount} 8 or 16. */
    public static void store(FpuState f, byte[] b, boolean wide, int xmmCount) {
        storeX87(f, b, wide);
        storeMxcsr(f, b);
        storeXmm(f, b, xmmCount);
    }

    /** The x87 part (XSAVE's state component 0): bytes 0-23 and the register slots, 32-159. */
    public static void storeX87(FpuState f, byte[] b, boolean wide) {
        put16(b, 0, f.control);
        put16(b, 2, f.statusWord());
        b[4] = (byte) f.abridgedTag();
        b[5] = 0;
        put16(b, 6, f.lastOpcode);
        if (wide) {
            put64(b, 8, f.lastIp);
            put64(b, 16, f.lastDp);
        } else {
            put32(b, 8, (int) f.lastIp);
            put32(b, 12, f.lastCs & 0xFFFF);
            put32(b, 16, (int) f.lastDp);
            put32(b, 20, f.lastDs & 0xFFFF);
        }
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            put64(b, ST + 16 * i, f.sig[p]);
            put16(b, ST + 16 * i + 8, f.sexp[p]);
            put16(b, ST + 16 * i + 10, 0);
            put32(b, ST + 16 * i + 12, 0);
        }
    }

    /** MXCSR and MXCSR_MASK, bytes 24-31. */
    public static void storeMxcsr(FpuState f, byte[] b) {
        put32(b, 24, f.mxcsr);
        put32(b, 28, Mxcsr.WRITABLE);
    }

    /** XMM0 to XMM{@code xmmCount - 1} from byte 160 (XSAVE's state component 1 without MXCSR). */
    public static void storeXmm(FpuState f, byte[] b, int xmmCount) {
        for (int i = 0; i < xmmCount; i++) {
            put64(b, XMM + 16 * i, f.xmm[2 * i]);
            put64(b, XMM + 16 * i + 8, f.xmm[2 * i + 1]);
        }
    }

    /** The MXCSR an image holds; FXRSTOR refuses (#GP) an image whose MXCSR has reserved bits set. */
    public static int mxcsr(byte[] b) {
        return u32(b, 24);
    }

    /** Loads the state from {@code b}; the caller has checked {@link #mxcsr} against {@link Mxcsr#WRITABLE}. */
    public static void load(FpuState f, byte[] b, boolean wide, int xmmCount) {
        loadX87(f, b, wide);
        f.mxcsr = mxcsr(b) & Mxcsr.WRITABLE;
        loadXmm(f, b, xmmCount);
    }

    /** Loads the x87 part, as {@link #storeX87} wrote it. */
    public static void loadX87(FpuState f, byte[] b, boolean wide) {
        f.loadControlAndStatus(u16(b, 0), u16(b, 2));
        f.empty = ~b[4] & 0xFF;
        f.lastOpcode = u16(b, 6) & 0x7FF;
        if (wide) {
            f.lastIp = u64(b, 8);
            f.lastCs = 0;
            f.lastDp = u64(b, 16);
            f.lastDs = 0;
        } else {
            f.lastIp = u32(b, 8) & 0xFFFF_FFFFL;
            f.lastCs = u16(b, 12);
            f.lastDp = u32(b, 16) & 0xFFFF_FFFFL;
            f.lastDs = u16(b, 20);
        }
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            f.sig[p] = u64(b, ST + 16 * i);
            f.sexp[p] = u16(b, ST + 16 * i + 8);
        }
    }

    /** Loads XMM0 to XMM{@code xmmCount - 1}. */
    public static void loadXmm(FpuState f, byte[] b, int xmmCount) {
        for (int i = 0; i < xmmCount; i++) {
            f.xmm[2 * i] = u64(b, XMM + 16 * i);
            f.xmm[2 * i + 1] = u64(b, XMM + 16 * i + 8);
        }
    }
}
