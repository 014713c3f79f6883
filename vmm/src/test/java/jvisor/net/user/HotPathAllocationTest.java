package jvisor.net.user;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bulk TCP through the stack allocates nothing per frame: the bytes the stack's thread (host to
 * guest) and a transmitting thread (guest to host) allocate stay flat however many frames pass.
 */
class HotPathAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void hostToGuestAllocatesNothingPerFrameOnTheStacksThread() throws Exception {
        int size = 64 << 20;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.fast());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] chunk = new byte[1 << 16];
                    for (int i = 0; i < size; i += chunk.length) {
                        out.write(chunk);
                    }
                }
                return null;
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            byte[] b = new byte[1 << 18];
            long warm = 0;
            while (warm < size / 4) {
                warm += c.read(b, 0, b.length, TestNet.TIMEOUT);
            }
            long threadId = n.net.loopThread().threadId();
            long before = THREADS.getThreadAllocatedBytes(threadId);
            long framesBefore = n.stats().get(jvisor.net.NetCounter.TO_GUEST);
            long rest = 0;
            int r;
            while ((r = c.read(b, 0, b.length, TestNet.TIMEOUT)) >= 0) {
                rest += r;
            }
            long allocated = THREADS.getThreadAllocatedBytes(threadId) - before;
            long frames = n.stats().get(jvisor.net.NetCounter.TO_GUEST) - framesBefore;
            host.get();
            assertEquals(size, warm + rest);
            assertTrue(frames > 500, "frames " + frames);
            assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + frames + " frames");
        }
    }

    /**
     * A guest port that remembers the last TCP segment's sequence number, flags and right window
     * edge (acknowledgement plus unscaled window: the test's SYN offers no scaling), allocating nothing.
     */
    static final class AckWatcher implements GuestPort {
        volatile int seq;
        volatile int edge;
        volatile int flags;

        @Override
        public boolean receive(ByteBuffer frame, RxOffload offload) {
            int t = frame.position() + Ethernet.HEADER + Ipv4.HEADER;
            if (frame.remaining() >= Ethernet.HEADER + Ipv4.HEADER + Tcp.HEADER && Bytes.u8(frame, frame.position() + 23) == Ipv4.PROTOCOL_TCP) {
                seq = Bytes.u32(frame, t + Tcp.SEQUENCE);
                edge = Bytes.u32(frame, t + Tcp.ACKNOWLEDGEMENT) + Bytes.u16(frame, t + Tcp.WINDOW);
                flags = Bytes.u8(frame, t + Tcp.FLAGS);
            }
            return true;
        }

        @Override
        public int maxReceiveSegment() {
            return GuestPort.ETHERNET_FRAME;
        }

        @Override
        public MacAddress mac() {
            return MacAddress.DEFAULT_GUEST;
        }
    }

    @Test
    void guestToHostAllocatesNothingPerFrameInTransmit() throws Exception {
        int segments = 60_000;
        int mss = 1460;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             UserNetwork net = UserNetwork.open(UserNetConfig.standard(List.of(), List.of(TestNet.SILENT_RESOLVER), NetLimits.DEFAULT));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            AckWatcher guest = new AckWatcher();
            net.start(guest);
            Future<Long> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] b = new byte[1 << 18];
                    long total = 0;
                    int r;
                    while ((r = in.read(b)) >= 0) {
                        total += r;
                    }
                    return total;
                }
            });
            TxOffload none = new TxOffload();
            int port = server.getLocalPort();
            int iss = 1000;
            net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, iss, 0, Tcp.SYN, new byte[0]), none);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((guest.flags & (Tcp.SYN | Tcp.ACK)) != (Tcp.SYN | Tcp.ACK) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            int serverSeq = guest.seq + 1;
            net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, iss + 1, serverSeq, Tcp.ACK, new byte[0]), none);
            // One frame reused for every segment: only the sequence number and the checksum change.
            ByteBuffer frame = RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, iss + 1, serverSeq, Tcp.ACK, new byte[mss]);
            TxOffload pending = new TxOffload().checksumPending(34, 16);
            int t = Ethernet.HEADER + Ipv4.HEADER;
            long before = 0;
            int seq = iss + 1;
            for (int i = 0; i < segments; i++) {
                if (i == segments / 4) {
                    before = THREADS.getCurrentThreadAllocatedBytes();
                }
                long waitUntil = System.nanoTime() + 30_000_000_000L;
                while (Tcp.before(guest.edge, seq + mss)) {
                    Thread.onSpinWait();     // stay inside the stack's window: it drops what lies beyond
                    if (System.nanoTime() >= waitUntil) {   // the message only then: building it allocates
                        fail("the window stayed shut at segment " + i);
                    }
                }
                Bytes.put32(frame, t + Tcp.SEQUENCE, seq);
                net.transmit(frame.clear(), pending);
                seq += mss;
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 40000, UserNetConfig.GATEWAY, port, seq, serverSeq, Tcp.ACK | Tcp.FIN, new byte[0]), none);
            assertEquals((long) segments * mss, host.get());
            assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + (segments * 3 / 4) + " segments");
        }
    }
}
