package jvisor.devices;

/** A fixed-capacity FIFO of bytes. Not thread-safe: its owner guards it. */
final class ByteRing {
    private final byte[] bytes;
    private int head;
    private int count;

    ByteRing(int capacity) {
        bytes = new byte[capacity];
    }

    int capacity() {
        return bytes.length;
    }

    int size() {
        return count;
    }

    int free() {
        return bytes.length - count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    boolean isFull() {
        return count == bytes.length;
    }

    /** Appends {@code b}; the caller checked there is room. */
    void put(int b) {
        bytes[(head + count) % bytes.length] = (byte) b;
        count++;
    }

    /** Removes and returns the oldest byte; the caller checked there is one. */
    int take() {
        int b = bytes[head] & 0xFF;
        head = (head + 1) % bytes.length;
        count--;
        return b;
    }

    /** Replaces the newest byte (an 8250 without FIFO overwrites its one receive buffer). */
    void replaceLast(int b) {
        bytes[(head + count - 1) % bytes.length] = (byte) b;
    }

    /** Moves up to {@code max} of the oldest bytes into {@code into}; returns how many. */
    int take(byte[] into, int max) {
        int n = Math.min(max, count);
        for (int i = 0; i < n; i++) {
            into[i] = (byte) take();
        }
        return n;
    }

    void clear() {
        head = 0;
        count = 0;
    }
}
