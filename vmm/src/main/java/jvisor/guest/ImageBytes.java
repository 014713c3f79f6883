package jvisor.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jvisor.boot.BadInputException;

/**
 * A kernel, module or initrd file as read, with little-endian field access. A read past the end
 * is a truncated file, reported as bad input naming the file, so a loader that forgot a bounds
 * check still fails cleanly.
 */
public final class ImageBytes {
    private final String name;
    private final byte[] bytes;
    private final ByteBuffer le;

    public ImageBytes(String name, byte[] bytes) {
        this.name = name;
        this.bytes = bytes;
        this.le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The file's name as the user gave it, for messages. */
    public String name() {
        return name;
    }

    public int length() {
        return bytes.length;
    }

    /** The file's bytes; callers must not modify them. */
    public byte[] array() {
        return bytes;
    }

    /** Whether {@code [offset, offset + count)} lies inside the file. */
    public boolean contains(long offset, long count) {
        return offset >= 0 && count >= 0 && offset + count <= bytes.length;
    }

    public int u8(long offset) {
        return bytes[check(offset, 1)] & 0xFF;
    }

    public int u16(long offset) {
        return le.getShort(check(offset, 2)) & 0xFFFF;
    }

    /** An unsigned 32-bit field. */
    public long u32(long offset) {
        return le.getInt(check(offset, 4)) & 0xFFFF_FFFFL;
    }

    public long u64(long offset) {
        return le.getLong(check(offset, 8));
    }

    /** Whether the bytes at {@code offset} are {@code expected}. False where the file is too short. */
    public boolean matches(long offset, byte[] expected) {
        if (!contains(offset, expected.length)) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[(int) offset + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** A bad-input error about this file: "NAME: problem". */
    public BadInputException bad(String problem) {
        return new BadInputException(name + ": " + problem);
    }

    private int check(long offset, int count) {
        if (!contains(offset, count)) {
            throw bad(String.format("the file is truncated (%d bytes; a field at offset %#x needs %d more)",
                    bytes.length, offset, count));
        }
        return (int) offset;
    }
}
