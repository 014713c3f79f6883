package jvisor.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A libpcap file of the frames a network card passes each way (what QEMU's {@code filter-dump}
 * writes), for measuring the guest's traffic with ordinary tools: segment sizes, ACK timing,
 * windows. Opened when {@code JVISOR_NET_PCAP} names a file; a write error closes it with one
 * line and the run goes on. Frames are written as they are, large segments included.
 */
public final class PcapTrace {
    public static final String VARIABLE = "JVISOR_NET_PCAP";
    private static final int SNAPLEN = 65535 + 14;
    private static final int LINKTYPE_ETHERNET = 1;

    private final OutputStream out;
    private final byte[] record = new byte[16];
    private final byte[] copy = new byte[SNAPLEN];
    private final long epochMicros = System.currentTimeMillis() * 1000;
    private final long startNanos = System.nanoTime();
    private boolean broken;

    private PcapTrace(OutputStream out) throws IOException {
        this.out = out;
        byte[] header = new byte[24];
        putLe(header, 0, 0xa1b2c3d4);
        putLe(header, 4, 2 | 4 << 16);      // version 2.4
        putLe(header, 16, SNAPLEN);
        putLe(header, 20, LINKTYPE_ETHERNET);
        out.write(header);
    }

    /** The trace the environment asks for, or null. */
    public static PcapTrace fromEnvironment() {
        String file = System.getenv(VARIABLE);
        if (file == null || file.isBlank()) {
            return null;
        }
        try {
            PcapTrace trace = new PcapTrace(new BufferedOutputStream(Files.newOutputStream(Path.of(file)), 1 << 20));
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(trace::flush));
            return trace;
        } catch (IOException | RuntimeException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "its directory does not exist"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
            System.err.println("jvisor: " + VARIABLE + ": cannot write " + file + ": " + why + "; no trace is written");
            return null;
        }
    }

    /** One frame, {@code length} bytes of {@code frame} from {@code offset}. From any thread. */
    public synchronized void frame(MemorySegment frame, long offset, int length) {
        if (broken) {
            return;
        }
        int n = Math.min(length, SNAPLEN);
        long micros = epochMicros + (System.nanoTime() - startNanos) / 1000;
        putLe(record, 0, (int) (micros / 1_000_000));
        putLe(record, 4, (int) (micros % 1_000_000));
        putLe(record, 8, n);
        putLe(record, 12, length);
        MemorySegment.copy(frame, ValueLayout.JAVA_BYTE, offset, copy, 0, n);
        try {
            out.write(record);
            out.write(copy, 0, n);
        } catch (IOException e) {
            broken = true;
            System.err.println("jvisor: " + VARIABLE + ": " + e.getMessage() + "; trace stopped");
        }
    }

    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            broken = true;
        }
    }

    private static void putLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
