package jvisor.devices.pci;

/**
 * The bytes of one function's configuration space (4 KiB: PCI's 256 bytes and PCI Express's
 * extended space) with, per byte, which bits a guest write may set and which it clears by
 * writing one (status bits). Everything else is read-only to the guest; the device model sets
 * it through the {@code put} methods. Not thread-safe: the owning function locks.
 */
final class ConfigSpace {
    static final int SIZE = 4096;
    static final int LEGACY_SIZE = 256;

    private final byte[] bytes = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] clearOnWrite = new byte[SIZE];

    /** Little-endian read of {@code size} (1, 2 or 4) bytes; the caller has checked the range. */
    int read(int offset, int size) {
        int value = 0;
        for (int k = size - 1; k >= 0; k--) {
            value = value << 8 | bytes[offset + k] & 0xFF;
        }
        return value;
    }

    /** A guest write: writable bits take the new value, write-one-to-clear bits clear where it has ones. */
    void write(int offset, int size, int value) {
        for (int k = 0; k < size; k++) {
            int b = value >>> 8 * k & 0xFF;
            int old = bytes[offset + k] & 0xFF;
            int mask = writable[offset + k] & 0xFF;
            int w1c = clearOnWrite[offset + k] & 0xFF;
            bytes[offset + k] = (byte) ((old & ~mask | b & mask) & ~(b & w1c));
        }
    }

    void put8(int offset, int value) {
        bytes[offset] = (byte) value;
    }

    void put16(int offset, int value) {
        put8(offset, value);
        put8(offset + 1, value >>> 8);
    }

    void put32(int offset, int value) {
        put16(offset, value);
        put16(offset + 2, value >>> 16);
    }

    void putBytes(int offset, byte[] data) {
        System.arraycopy(data, 0, bytes, offset, data.length);
    }

    /** Lets the guest change the bits of {@code mask} in the {@code size} bytes at {@code offset}. */
    void allowWrite(int offset, int size, long mask) {
        for (int k = 0; k < size; k++) {
            writable[offset + k] = (byte) (mask >>> 8 * k);
        }
    }

    void allowClear(int offset, int size, int mask) {
        for (int k = 0; k < size; k++) {
            clearOnWrite[offset + k] = (byte) (mask >>> 8 * k);
        }
    }

    int u8(int offset) {
        return bytes[offset] & 0xFF;
    }

    int u16(int offset) {
        return read(offset, 2);
    }

    int u32(int offset) {
        return read(offset, 4);
    }
}
