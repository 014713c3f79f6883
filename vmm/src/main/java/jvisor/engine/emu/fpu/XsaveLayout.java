package jvisor.engine.emu.fpu;

/**
 * The standard (not compacted) XSAVE area of the state components this processor has: x87 (0)
 * and SSE (1) in the FXSAVE layout of the first 512 bytes, the 64-byte XSAVE header, and PKRU (9)
 * at the offset every Intel processor gives it, so that software which assumes that offset finds
 * it. Bytes between the header and PKRU belong to components this processor does not have.
 */
public final class XsaveLayout {
    private XsaveLayout() { }

    public static final long X87 = 1;
    public static final long SSE = 1 << 1;
    public static final long PKRU = 1 << 9;
    /** The components XCR0 may enable (CPUID.(0xD,0):EDX:EAX). */
    public static final long SUPPORTED = X87 | SSE | PKRU;

    public static final int HEADER = 512;
    public static final int HEADER_SIZE = 64;
    public static final int PKRU_OFFSET = 0xA80;
    public static final int PKRU_SIZE = 8;

    /** The size of an area holding {@code components} (a subset of {@link #SUPPORTED}, with x87). */
    public static int size(long components) {
        return (components & PKRU) != 0 ? PKRU_OFFSET + PKRU_SIZE : HEADER + HEADER_SIZE;
    }

    /** Where component {@code n} (2 or above) starts, or 0 if this processor does not have it. */
    public static int offset(int n) {
        return n == 9 ? PKRU_OFFSET : 0;
    }

    /** The size of component {@code n} (2 or above), or 0 if this processor does not have it. */
    public static int componentSize(int n) {
        return n == 9 ? PKRU_SIZE : 0;
    }
}
