package jvisor.net.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.Test;

/**
 * A guest that takes large segments but acknowledges two MSS at a time, as Linux does, still gets
 * large segments: the stack waits for a good part of the window instead of sending a sliver for
 * every ACK, since each segment costs the guest about the same however long it is.
 */
class SegmentSizeTest {
    private static final int WINDOW = 65535;
    private static final int TOTAL = 1 << 20;

    /** Records the payload length of every data segment; takes large segments. */
    static final class Recorder implements GuestPort {
        final List<int[]> segments = new ArrayList<>();     // {seq, length, flags, window edge when sent}
        /** The right edge of the window the guest last advertised, set before each ACK goes to the stack. */
        volatile int edge;

        @Override
        public synchronized boolean receive(ByteBuffer frame, RxOffload offload) {
            int p = frame.position();
            if (frame.remaining() >= Ethernet.HEADER + Ipv4.HEADER + Tcp.HEADER
                    && Bytes.u8(frame, p + Ethernet.HEADER + Ipv4.PROTOCOL) == Ipv4.PROTOCOL_TCP) {
                int t = p + Ethernet.HEADER + Ipv4.HEADER;
                int length = Bytes.u16(frame, p + Ethernet.HEADER + Ipv4.TOTAL_LENGTH) - Ipv4.HEADER
                        - (Bytes.u8(frame, t + Tcp.DATA_OFFSET) >>> 4) * 4;
                segments.add(new int[] {Bytes.u32(frame, t + Tcp.SEQUENCE), length, Bytes.u8(frame, t + Tcp.FLAGS), edge});
                notifyAll();
            }
            return true;
        }

        synchronized int[] awaitSegment(int index) throws InterruptedException {
            long end = System.nanoTime() + 10_000_000_000L;
            while (segments.size() <= index) {
                long left = end - System.nanoTime();
                assertTrue(left > 0, "segment " + index + " never came");
                wait(Math.max(1, left / 1_000_000));
            }
            return segments.get(index);
        }

        @Override
        public int maxReceiveSegment() {
            return Ethernet.HEADER + 65535;
        }

        @Override
        public MacAddress mac() {
            return MacAddress.DEFAULT_GUEST;
        }
    }

    @Test
    void ackingTwoSegmentsAtATimeStillGetsLargeSegments() throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             UserNetwork net = UserNetwork.open(UserNetConfig.standard(List.of(), List.of(TestNet.SILENT_RESOLVER), NetLimits.DEFAULT));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Recorder guest = new Recorder();
            net.start(guest);
            pool.submit(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[TOTAL]);
                    done.await();       // keep the connection open: no FIN to end the last segment early
                }
                return null;
            });
            try {
                transfer(net, guest, server.getLocalPort());
            } finally {
                done.countDown();
            }
        }
    }

    private static void transfer(UserNetwork net, Recorder guest, int port) throws Exception {
        TxOffload none = new TxOffload();
        net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, 1000, 0, Tcp.SYN, new byte[0]), none);
        int[] synAck = guest.awaitSegment(0);
        assertEquals(Tcp.SYN | Tcp.ACK, synAck[2] & (Tcp.SYN | Tcp.ACK));
        int first = synAck[0] + 1;
        guest.edge = first + WINDOW;        // unscaled: the test's SYN offers no window scaling
        net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, 1001, first, Tcp.ACK, new byte[0]), none);
        int received = 0;       // contiguous bytes taken
        int acked = 0;
        int next = 1;
        List<Integer> windowLimited = new ArrayList<>();
        int windowLimitedCount = 0;
        while (acked < TOTAL) {
            while (received - acked < 2 * 1460 && received < TOTAL) {
                int[] s = guest.awaitSegment(next++);
                if (s[1] > 0) {
                    assertEquals(first + received, s[0], "in order, nothing lost");
                    received += s[1];
                    if (s[0] + s[1] == s[3]) {
                        windowLimitedCount++;       // it ends at the window's edge: the window was the limit
                        if (s[1] < WINDOW / 4) {
                            windowLimited.add(s[1]);
                        }
                    }
                }
            }
            acked = Math.min(received, acked + 2 * 1460);
            guest.edge = first + acked + WINDOW;
            net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, 1001, first + acked,
                    Tcp.ACK, new byte[0]), none);
        }
        // A segment the host's data ran short for may be smaller: the stack does not wait for data.
        assertTrue(windowLimitedCount > 10, "the window was the limit " + windowLimitedCount + " times");
        assertEquals(List.of(), windowLimited, "segments smaller than a quarter of the window while it was the limit");
    }
}
