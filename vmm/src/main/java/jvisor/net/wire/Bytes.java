package jvisor.net.wire;

import java.nio.ByteBuffer;

/**
 * Network-order fields at absolute offsets, read byte by byte so that the buffer's own byte order
 * (a device may hand over a little-endian view of guest memory) never matters.
 */
public final class Bytes {
    private Bytes() { }

    public static int u8(ByteBuffer b, int off) {
        return b.get(off) & 0xFF;
    }

    public static int u16(ByteBuffer b, int off) {
        return (b.get(off) & 0xFF) << 8 | (b.get(off + 1) & 0xFF);
    }

    /** Four bytes as an int; sequence numbers and addresses use all 32 bits. */
    public static int u32(ByteBuffer b, int off) {
        return (b.get(off) & 0xFF) << 24 | (b.get(off + 1) & 0xFF) << 16 | (b.get(off + 2) & 0xFF) << 8 | (b.get(off + 3) & 0xFF);
    }

    public static void put8(ByteBuffer b, int off, int v) {
        b.put(off, (byte) v);
    }

    public static void put16(ByteBuffer b, int off, int v) {
        b.put(off, (byte) (v >>> 8));
        b.put(off + 1, (byte) v);
    }

    public static void put32(ByteBuffer b, int off, int v) {
        b.put(off, (byte) (v >>> 24));
        b.put(off + 1, (byte) (v >>> 16));
        b.put(off + 2, (byte) (v >>> 8));
        b.put(off + 3, (byte) v);
    }
}
