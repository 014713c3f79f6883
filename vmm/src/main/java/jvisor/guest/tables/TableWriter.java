package jvisor.guest.tables;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer for firmware tables, with in-place patching. */
final class TableWriter {
    private byte[] bytes = new byte[256];
    private int size;

    int size() {
        return size;
    }

    TableWriter u8(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    TableWriter u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    TableWriter u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    TableWriter u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    TableWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
    }

    /** {@code text} in ASCII, padded with spaces (or cut) to exactly {@code width} bytes. */
    TableWriter ascii(String text, int width) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < width; i++) {
            u8(i < t.length ? t[i] : ' ');
        }
        return this;
    }

    TableWriter zeros(int count) {
        ensure(count);
        size += count;
        return this;
    }

    void patch8(int at, int v) {
        bytes[at] = (byte) v;
    }

    void patch16(int at, int v) {
        patch8(at, v);
        patch8(at + 1, v >>> 8);
    }

    void patch32(int at, long v) {
        patch16(at, (int) v);
        patch16(at + 2, (int) (v >>> 16));
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    /** The byte that makes {@code bytes[from, to)} sum to zero mod 256, given that it is zero now. */
    static int checksum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i];
        }
        return -sum & 0xFF;
    }
}
