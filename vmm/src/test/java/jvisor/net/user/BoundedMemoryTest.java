package jvisor.net.user;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.net.GuestPort;
import jvisor.net.NetCounter;
import jvisor.net.TxOffload;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever the guest or a host peer does, the stack's memory stays within its limits. */
class BoundedMemoryTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aSynFloodStopsAtTheConnectionLimit() throws Exception {
        int limit = 64;
        NetLimits limits = NetLimits.DEFAULT.withTcpConnections(limit);
        try (ServerSocket server = new ServerSocket(0, 1000, LOOPBACK);
             UserNetwork net = UserNetwork.open(UserNetConfig.standard(List.of(), List.of(TestNet.SILENT_RESOLVER), limits))) {
            net.start(new DiscardingGuest(GuestPort.ETHERNET_FRAME));
            TxOffload none = new TxOffload();
            int syns = 20_000;
            for (int i = 0; i < syns; i++) {
                net.transmit(RawFrames.tcp(UserNetConfig.GUEST, 1024 + i, UserNetConfig.GATEWAY, server.getLocalPort(),
                        i * 7919, 0, Tcp.SYN, new byte[0]), none);
                if (i % 1000 == 0) {
                    assertTrue(net.tcpConnections() <= limit);
                }
            }
            assertEquals(limit, net.tcpConnections());
            assertEquals(syns - limit, net.stats().get(NetCounter.TCP_LIMIT), net.stats()::toString);
            assertTrue(net.tcpBufferBytes() <= limits.tcpBufferBudget());
            assertEquals(syns, net.stats().get(NetCounter.FROM_GUEST));
            assertEquals(syns, net.stats().total(NetCounter.Kind.GUEST_FRAME));
        }
    }

    @Test
    void aGuestThatDoesNotReadHoldsBackAFastHostSender() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
             TestNet n = TestNet.configured(SimOptions.fast());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            AtomicLong written = new AtomicLong();
            pool.submit(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] chunk = new byte[65536];
                    while (written.get() < (200L << 20)) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                }
                return null;
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            Thread.sleep(1000);     // the guest never reads: its window closes, then the stack's ring fills
            long held = written.get();
            Thread.sleep(300);
            assertEquals(held, written.get(), "the host sender is blocked");
            assertTrue(held < (32L << 20), "only the guest's window, the ring and the kernel's buffers are in flight: " + held);
            assertTrue(n.net.tcpBufferBytes() <= NetLimits.DEFAULT.tcpBufferBudget());
            c.abort();
        }
    }

    @Test
    void aHostThatDoesNotReadClosesTheGuestsWindow() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
             TestNet n = TestNet.configured(SimOptions.fast());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            pool.submit(() -> {
                try (Socket s = server.accept()) {
                    done.await();       // accepts and never reads
                }
                return null;
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            AtomicLong queued = new AtomicLong();
            pool.submit(() -> {
                byte[] chunk = new byte[65536];
                for (int i = 0; i < 3200; i++) {
                    c.write(chunk, 0, chunk.length);
                    queued.addAndGet(chunk.length);
                }
                return null;
            });
            Thread.sleep(1000);
            long held = queued.get();
            Thread.sleep(300);
            assertEquals(held, queued.get(), "the guest's sender is blocked by the stack's zero window");
            assertTrue(held < (32L << 20), "held " + held);
            c.abort();
            done.countDown();
        }
    }
}
