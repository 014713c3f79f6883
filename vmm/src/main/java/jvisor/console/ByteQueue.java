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

    @Override
    public int available() {
        return bytes.size();
    }
}
