package jvisor.console;

import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Bytes typed for the guest, handed from the console's input thread to the serial device's
 * reader as an {@link InputStream}. Bounded: a guest that never reads cannot make it grow.
 */
final class ByteQueue extends InputStream {
    private static final int END = -1;
    private final BlockingQueue<Integer> bytes = new ArrayBlockingQueue<>(4096);

    /** Offers a byte; drops it if the guest has left 4 KiB unread. */
    boolean offer(int b) {
        return bytes.offer(b & 0xFF);
    }

    void close(boolean ignored) {
        bytes.clear();
        bytes.offer(END);
    }

    @Override
    public int read() {
        try {
            int b = bytes.take();
            if (b == END) {
                bytes.offer(END);
            }
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return END;
        }
    }

    /** Blocks for the first byte only, then returns whatever else is already there. */
    @Override
    public int read(byte[] buffer, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        int first = read();
        if (first < 0) {
            return -1;
        }
        buffer[offset] = (byte) first;
        int n = 1;
        Integer next;
        while (n < length && (next = bytes.peek()) != null && next != END) {
            buffer[offset + n++] = (byte) (int) bytes.poll();
        }
        return n;
    }

    @Override
    public int available() {
        return bytes.size();
    }
}
