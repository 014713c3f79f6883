package jvisor.net.user;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A fixed-capacity FIFO of bytes over one direct buffer: what a TCP connection holds for one
 * direction (data the guest has not acknowledged yet, or data the host socket has not taken).
 * Channel reads and writes go straight to and from the ring, in at most two pieces when the data
 * wraps.
 */
final class ByteRing {
    private final ByteBuffer buffer;
    private final int capacity;
    private int head;
    private int size;

    ByteRing(ByteBuffer buffer) {
        this.buffer = buffer;
        this.capacity = buffer.capacity();
    }

    ByteBuffer buffer() {
        return buffer;
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Reads what the channel has, up to the free space; -1 at end of stream with nothing read. */
    int readFrom(ReadableByteChannel channel) throws IOException {
        try {
            return read(channel);
        } finally {
            buffer.clear();     // absolute copies check against the limit: leave it at the capacity
        }
    }

    private int read(ReadableByteChannel channel) throws IOException {
        int total = 0;
        while (size < capacity) {
            int tail = (head + size) % capacity;
            int contiguous = Math.min(capacity - size, capacity - tail);
            buffer.limit(tail + contiguous).position(tail);
            int n = channel.read(buffer);
            if (n < 0) {
                return total > 0 ? total : -1;
            }
            size += n;
            total += n;
            if (n < contiguous) {
                break;
            }
        }
        return total;
    }

    /** Writes from the head as much as the channel takes and removes it. */
    int writeTo(WritableByteChannel channel) throws IOException {
        try {
            return write(channel);
        } finally {
            buffer.clear();
        }
    }

    private int write(WritableByteChannel channel) throws IOException {
        int total = 0;
        while (size > 0) {
            int contiguous = Math.min(size, capacity - head);
            buffer.limit(head + contiguous).position(head);
            int n = channel.write(buffer);
            discard(n);
            total += n;
            if (n < contiguous) {
                break;
            }
        }
        return total;
    }

    /** Appends {@code length} bytes of {@code source} from {@code offset}; the caller checked {@link #free}. */
    void append(ByteBuffer source, int offset, int length) {
        int tail = (head + size) % capacity;
        int first = Math.min(length, capacity - tail);
        buffer.put(tail, source, offset, first);
        if (first < length) {
            buffer.put(0, source, offset + first, length - first);
        }
        size += length;
    }

    /** Copies {@code length} bytes starting {@code offset} bytes after the head, leaving them in the ring. */
    void copyOut(int offset, ByteBuffer target, int targetOffset, int length) {
        int start = (head + offset) % capacity;
        int first = Math.min(length, capacity - start);
        target.put(targetOffset, buffer, start, first);
        if (first < length) {
            target.put(targetOffset + first, buffer, 0, length - first);
        }
    }

    /** Drops {@code n} bytes from the head. */
    void discard(int n) {
        head = (head + n) % capacity;
        size -= n;
        if (size == 0) {
            head = 0;
        }
    }
}
