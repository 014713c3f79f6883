package jvisor.storage.luks;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * XTS ciphers with the volume key and an I/O buffer each, lent to one I/O thread at a time. A
 * pool rather than a ThreadLocal: threads may come and go (or be virtual) without each leaving a
 * keyed cipher behind, and close can find and clear every idle one. Taking and giving back
 * allocate nothing once the pool holds as many workers as threads do I/O at once.
 */
final class CipherPool {
    /** Bytes of the image one worker reads or writes per system call. */
    static final int IO_CHUNK = 256 << 10;

    static final class Worker {
        final XtsCipher xts;
        final byte[] io = new byte[IO_CHUNK];
        final ByteBuffer ioBuffer = ByteBuffer.wrap(io);

        private Worker(byte[] key) {
            xts = new XtsCipher(key);
        }

        private void destroy() {
            xts.destroy();
            Arrays.fill(io, (byte) 0);
        }
    }

    private final byte[] key;
    private final ArrayBlockingQueue<Worker> idle;

    /** Keeps its own copy of {@code key}. */
    CipherPool(byte[] key, int capacity) {
        this.key = key.clone();
        this.idle = new ArrayBlockingQueue<>(capacity);
    }

    Worker take() {
        Worker w = idle.poll();
        return w != null ? w : new Worker(key);
    }

    void give(Worker w) {
        if (!idle.offer(w)) {
            w.destroy();
        }
    }

    /** Clears the key and every idle worker; the caller makes sure none is lent out. */
    void destroy() {
        Arrays.fill(key, (byte) 0);
        for (Worker w; (w = idle.poll()) != null; ) {
            w.destroy();
        }
    }
}
