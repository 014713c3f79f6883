package jvisor.net.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * The stack delays the ACK of a small in-order segment (so a Linux guest's Nagle algorithm can
 * coalesce its next writes), but passes the data to the host at once and ACKs it at the latest
 * after {@link TcpConnection#ACK_DELAY_NANOS}; a segment that leaves enough unacknowledged is
 * ACKed without waiting for the timer.
 */
class DelayedAckTest {
    private static final int GUEST_PORT = 40001;

    /** Each TCP segment the guest gets: {seq, ack, payload length, flags}, and when it came. */
    static final class Recorder implements GuestPort {
        final List<int[]> segments = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public synchronized boolean receive(ByteBuffer frame, RxOffload offload) {
            int p = frame.position();
            if (Bytes.u8(frame, p + Ethernet.HEADER + Ipv4.PROTOCOL) == Ipv4.PROTOCOL_TCP) {
                int t = p + Ethernet.HEADER + Ipv4.HEADER;
                int length = Bytes.u16(frame, p + Ethernet.HEADER + Ipv4.TOTAL_LENGTH) - Ipv4.HEADER
                        - (Bytes.u8(frame, t + Tcp.DATA_OFFSET) >>> 4) * 4;
                segments.add(new int[] {Bytes.u32(frame, t + Tcp.SEQUENCE), Bytes.u32(frame, t + Tcp.ACKNOWLEDGEMENT),
                        length, Bytes.u8(frame, t + Tcp.FLAGS)});
                times.add(System.nanoTime());
                notifyAll();
            }
            return true;
        }

        /** Waits (up to 10 s) for the first segment from {@code index} on that acknowledges {@code ack}; returns its index. */
        synchronized int awaitAck(int index, int ack) throws InterruptedException {
            long end = System.nanoTime() + 10_000_000_000L;
            for (int i = index; ; i++) {
                while (segments.size() <= i) {
                    long left = end - System.nanoTime();
                    assertTrue(left > 0, "no acknowledgement of " + Integer.toUnsignedString(ack));
                    wait(Math.max(1, left / 1_000_000));
                }
                if (segments.get(i)[1] == ack) {
                    return i;
                }
            }
        }

        @Override
        public int maxReceiveSegment() {
            return Ethernet.HEADER + 1500;
        }

        @Override
        public MacAddress mac() {
            return MacAddress.DEFAULT_GUEST;
        }
    }

    @Test
    void aSmallSegmentIsPassedOnAtOnceAndAcknowledgedAfterTheDelay() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             UserNetwork net = UserNetwork.open(UserNetConfig.standard(List.of(), List.of(TestNet.SILENT_RESOLVER), NetLimits.DEFAULT));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Recorder guest = new Recorder();
            net.start(guest);
            Future<byte[]> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    return in.readNBytes(100 + 3000);
                }
            });
            int port = server.getLocalPort();
            int first = open(net, guest, port);

            long sent = System.nanoTime();
            data(net, port, 1001, first, 100);
            int i = guest.awaitAck(1, 1001 + 100);
            long acked;
            synchronized (guest) {
                acked = guest.times.get(i);
                assertEquals(0, guest.segments.get(i)[2], "a bare ACK");
            }
            assertTrue(acked - sent >= TcpConnection.ACK_DELAY_NANOS,
                    "acknowledged after " + (acked - sent) + " ns, sooner than the delay");

            // Enough for the ACK rule: the ACK goes without the timer (not timed here: the machine may be slow).
            int big = TcpConnection.ACK_EVERY_SEGMENTS * TcpConnection.DEFAULT_MSS;
            data(net, port, 1101, first, big);
            data(net, port, 1101 + big, first, 3000 - big);
            guest.awaitAck(i + 1, 1101 + 3000);
            byte[] got = host.get();
            assertEquals(3100, got.length, "every byte reached the host");
        }
    }

    /** The guest's SYN (no options: MSS 536, no scaling) and its ACK of the SYN-ACK; returns our first sequence number. */
    private static int open(UserNetwork net, Recorder guest, int port) throws InterruptedException {
        net.transmit(RawFrames.tcp(UserNetConfig.GUEST, GUEST_PORT, UserNetConfig.GATEWAY, port, 1000, 0, Tcp.SYN, new byte[0]),
                new TxOffload());
        int synAck = guest.awaitAck(0, 1001);
        int first;
        synchronized (guest) {
            first = guest.segments.get(synAck)[0] + 1;
        }
        net.transmit(RawFrames.tcp(UserNetConfig.GUEST, GUEST_PORT, UserNetConfig.GATEWAY, port, 1001, first, Tcp.ACK,
                new byte[0]), new TxOffload());
        return first;
    }

    private static void data(UserNetwork net, int port, int seq, int ack, int length) {
        net.transmit(RawFrames.tcp(UserNetConfig.GUEST, GUEST_PORT, UserNetConfig.GATEWAY, port, seq, ack, Tcp.ACK | Tcp.PSH,
                new byte[length]), new TxOffload());
    }
}
