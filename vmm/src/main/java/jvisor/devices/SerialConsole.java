package jvisor.devices;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * The console at the far end of a UART. A writer thread moves transmitted bytes to the output
 * stream, so a slow terminal never stalls a vCPU; when its buffer runs low on room the UART
 * shows THR not empty and the guest waits, as it would for a real line. A reader thread moves
 * typed bytes into a bounded buffer and blocks the input stream while the guest is not reading,
 * so no typed byte is lost and nothing grows without bound.
 */
public final class SerialConsole implements SerialHost, AutoCloseable {
    static final int OUTPUT_CAPACITY = 64 * 1024;
    static final int INPUT_CAPACITY = 4 * 1024;
    private static final int CHUNK = 4096;
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final InputStream in;
    private final PrintStream out;
    private final DeviceLog log;
    private final String name;
    private final Object outputLock = new Object();
    private final Object inputLock = new Object();
    private final ByteRing output = new ByteRing(OUTPUT_CAPACITY);
    private final ByteRing input = new ByteRing(INPUT_CAPACITY);
    private Runnable wake = () -> { };
    private Thread writer;
    private boolean writing;
    private boolean stalled;
    private volatile boolean closing;
    private long dropped;

    /** {@code in} may be null: a console nobody types into. */
    public SerialConsole(InputStream in, PrintStream out, DeviceLog log, String name) {
        this.in = in;
        this.out = out;
        this.log = log;
        this.name = name;
    }

    /** Starts the threads; {@code wake} is called when input arrives or output room frees up. */
    public void start(Runnable wakeUart) {
        this.wake = wakeUart;
        writer = daemon(this::writeLoop, "jvisor-" + name + "-out");
        if (in != null) {
            daemon(this::readLoop, "jvisor-" + name + "-in");
        }
    }

    private static Thread daemon(Runnable body, String threadName) {
        Thread t = new Thread(body, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public boolean canTransmit(int count) {
        synchronized (outputLock) {
            boolean room = output.free() >= count;
            stalled |= !room;
            return room;
        }
    }

    @Override
    public void transmit(int b) {
        long lost;
        synchronized (outputLock) {
            if (!output.isFull()) {
                output.put(b);
                outputLock.notifyAll();
                return;
            }
            lost = ++dropped;
        }
        log.warn("output buffer full; dropped %d byte(s) the guest wrote while THR was not empty", lost);
    }

    @Override
    public int receive() {
        synchronized (inputLock) {
            if (input.isEmpty()) {
                return -1;
            }
            inputLock.notifyAll();
            return input.take();
        }
    }

    /** Waits until every byte transmitted so far reached the output stream and was flushed. */
    public void awaitDrained() throws InterruptedException {
        synchronized (outputLock) {
            while ((!output.isEmpty() || writing) && writer != null && writer.isAlive()) {
                outputLock.wait();
            }
        }
    }

    private void writeLoop() {
        byte[] chunk = new byte[CHUNK];
        try {
            while (true) {
                int n;
                boolean wakeUart;
                synchronized (outputLock) {
                    while (output.isEmpty() && !closing) {
                        outputLock.wait();
                    }
                    if (output.isEmpty()) {
                        return;
                    }
                    n = output.take(chunk, CHUNK);
                    wakeUart = stalled && output.free() >= Uart8250.FIFO_SIZE;
                    stalled &= !wakeUart;
                    writing = true;
                }
                out.write(chunk, 0, n);
                finishWrite();
                if (wakeUart) {
                    wake.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (outputLock) {
                writing = false;
                outputLock.notifyAll();
            }
        }
    }

    /** Flushes once the buffer is empty: a burst goes out as one write, a prompt without a newline still appears. */
    private void finishWrite() {
        boolean idle;
        synchronized (outputLock) {
            idle = output.isEmpty();
        }
        if (idle) {
            out.flush();
        }
        synchronized (outputLock) {
            writing = false;
            outputLock.notifyAll();
        }
    }

    private void readLoop() {
        byte[] chunk = new byte[256];
        try {
            while (true) {
                // InputStream's default read(byte[]) blocks until the whole chunk is filled; ask
                // only for what is there, so a single keystroke reaches the guest at once.
                int want = Math.min(chunk.length, Math.max(1, in.available()));
                int n = in.read(chunk, 0, want);
                if (n < 0 || !deliver(chunk, n)) {
                    return;
                }
            }
        } catch (IOException e) {
            log.warn("console input failed: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Queues typed bytes, waiting for room; false once the console is closing. */
    private boolean deliver(byte[] chunk, int n) throws InterruptedException {
        int i = 0;
        while (i < n) {
            synchronized (inputLock) {
                while (input.isFull() && !closing) {
                    inputLock.wait();
                }
                if (closing) {
                    return false;
                }
                while (i < n && !input.isFull()) {
                    input.put(chunk[i++]);
                }
            }
            wake.run();
        }
        return true;
    }

    /**
     * Writes out what the guest transmitted and stops the writer. The reader may stay blocked in a
     * read of a stream it does not own (the process's standard input); it is a daemon and drops
     * whatever it reads after this.
     */
    @Override
    public void close() throws InterruptedException {
        synchronized (outputLock) {
            closing = true;
            outputLock.notifyAll();
        }
        synchronized (inputLock) {
            inputLock.notifyAll();
        }
        if (writer != null) {
            writer.join(CLOSE_WAIT_MILLIS);
        }
        out.flush();
    }
}
