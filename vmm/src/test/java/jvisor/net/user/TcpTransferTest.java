package jvisor.net.user;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jvisor.net.NetCounter;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TCP through the stack to real host sockets on loopback: bulk data both ways, intact. */
class TcpTransferTest {
    static final int SIZE = 20 << 20;
    static final Duration LONG = Duration.ofSeconds(10);

    static byte[] data(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static byte[] sha256(byte[] b, int off, int len) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(b, off, len);
        return d.digest();
    }

    /** Reads the guest side to EOF into a digest; returns the digest and checks the length. */
    static byte[] readAll(SimTcp c, int expected) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[256 << 10];
        long total = 0;
        int n;
        while ((n = c.read(b, 0, b.length, LONG)) >= 0) {
            d.update(b, 0, n);
            total += n;
        }
        assertEquals(expected, total);
        return d.digest();
    }

    static byte[] readAll(InputStream in, int expected) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[256 << 10];
        long total = 0;
        int n;
        while ((n = in.read(b)) >= 0) {
            d.update(b, 0, n);
            total += n;
        }
        assertEquals(expected, total);
        return d.digest();
    }

    private static Future<byte[]> serve(ServerSocket server, ExecutorService pool, Callable<byte[]> after, IoBody body) {
        return pool.submit(() -> {
            try (Socket s = server.accept()) {
                return body.run(s);
            }
        });
    }

    interface IoBody {
        byte[] run(Socket s) throws Exception;
    }

    private void hostToGuest(SimOptions options) throws Exception {
        byte[] payload = data(SIZE, 1);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(options);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> host = serve(server, pool, null, s -> {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < SIZE; i += 65536) {
                    out.write(payload, i, Math.min(65536, SIZE - i));
                }
                s.shutdownOutput();
                return new byte[0];
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            try {
                assertArrayEquals(sha256(payload, 0, SIZE), readAll(c, SIZE));
            } catch (IOException e) {
                throw new AssertionError(n.net.describe() + n.guest.counts() + n.stats(), e);
            }
            host.get();
            c.shutdownOutput();
            assertTrue(c.awaitFinAcked(TestNet.TIMEOUT));
            assertEquals(0, n.guest.counts().checksumErrors());
            if (options.largeReceive()) {
                // The window, opened an ACK at a time, must not chop the stream into slivers.
                long average = n.stats().get(jvisor.net.NetCounter.TO_GUEST_BYTES) / n.stats().get(jvisor.net.NetCounter.TO_GUEST);
                assertTrue(average >= 8192, "frames to the guest average " + average + " bytes");
            }
            n.assertCountsAddUp();
        }
    }

    private void guestToHost(SimOptions options) throws Exception {
        byte[] payload = data(SIZE, 2);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(options);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> host = serve(server, pool, null, s -> readAll(s.getInputStream(), SIZE));
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            for (int i = 0; i < SIZE; i += 100_000) {
                c.write(payload, i, Math.min(100_000, SIZE - i));
            }
            c.shutdownOutput();
            assertArrayEquals(sha256(payload, 0, SIZE), host.get());
            assertTrue(c.awaitFinAcked(TestNet.TIMEOUT));
            n.assertCountsAddUp();
        }
    }

    @Test
    void twentyMegabytesToAGuestWithLargeSegmentsThatPostsBuffersSlowly() throws Exception {
        hostToGuest(SimOptions.fast().withReceive(4, 20_000));
    }

    @Test
    void twentyMegabytesToAGuestWithoutOffloadsThatPostsBuffersSlowly() throws Exception {
        hostToGuest(SimOptions.plain().withReceive(16, 2_000));
    }

    @Test
    void twentyMegabytesFromAGuestSendingLargeSegments() throws Exception {
        guestToHost(SimOptions.fast());
    }

    @Test
    void twentyMegabytesFromAGuestSendingMtuSegments() throws Exception {
        guestToHost(SimOptions.plain());
    }

    @Test
    void framesTheGuestLosesAreRetransmitted() throws Exception {
        int size = 4 << 20;
        byte[] payload = data(size, 3);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain().withDrops(0.02, 7));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> host = serve(server, pool, null, s -> {
                s.getOutputStream().write(payload);
                s.shutdownOutput();
                return readAll(s.getInputStream(), size);
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TestNet.TIMEOUT);
            pool.submit(() -> {
                c.write(payload, 0, size);
                c.shutdownOutput();
                return null;
            });
            assertArrayEquals(sha256(payload, 0, size), readAll(c, size));
            assertArrayEquals(sha256(payload, 0, size), host.get());
            assertTrue(n.stats().get(NetCounter.TCP_RETRANSMITS) > 0, "the stack retransmitted");
            assertTrue(n.guest.counts().lost() > 0);
            n.assertCountsAddUp();
        }
    }
}
