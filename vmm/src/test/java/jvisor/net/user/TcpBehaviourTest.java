package jvisor.net.user;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jvisor.net.NetCounter;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening, half-closing and resetting connections, and many at once. */
class TcpBehaviourTest {
    private static final Duration T = TestNet.TIMEOUT;

    static byte[] readFully(SimTcp c, int n) throws IOException {
        byte[] b = new byte[n];
        for (int got = 0; got < n; ) {
            int r = c.read(b, got, n - got, T);
            if (r < 0) {
                throw new IOException("EOF after " + got + " of " + n);
            }
            got += r;
        }
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theGuestHalfClosesAndStillReceivesTheAnswer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    byte[] request = s.getInputStream().readAllBytes();    // up to the guest's FIN
                    s.getOutputStream().write(ascii("answer to " + new String(request, StandardCharsets.US_ASCII)));
                    return request;
                }
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), T);
            c.write(ascii("question"), 0, 8);
            c.shutdownOutput();
            assertTrue(c.awaitFinAcked(T));
            assertArrayEquals(ascii("answer to question"), readFully(c, 18));
            assertEquals(-1, c.read(new byte[1], 0, 1, T));
            assertArrayEquals(ascii("question"), host.get());
            awaitNoConnections(n);
            n.assertCountsAddUp();
        }
    }

    @Test
    void theHostHalfClosesAndStillReceivesTheGuestsData() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write(ascii("banner"));
                    s.shutdownOutput();
                    return s.getInputStream().readAllBytes();
                }
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), T);
            assertArrayEquals(ascii("banner"), readFully(c, 6));
            assertEquals(-1, c.read(new byte[1], 0, 1, T));
            byte[] upload = TcpTransferTest.data(300_000, 9);
            c.write(upload, 0, upload.length);      // after the host's FIN: FIN_WAIT_2 on the stack's side
            c.shutdownOutput();
            assertArrayEquals(upload, host.get());
            assertTrue(c.awaitFinAcked(T));
            awaitNoConnections(n);
            n.assertCountsAddUp();
        }
    }

    @Test
    void aResetFromTheGuestResetsTheHostSocket() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Class<?>> host = pool.submit(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    in.readNBytes(5);
                    try {
                        in.read();
                        return Void.class;
                    } catch (SocketException e) {
                        return SocketException.class;
                    }
                }
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), T);
            c.write(ascii("hello"), 0, 5);
            Thread.sleep(100);
            c.abort();
            assertEquals(SocketException.class, host.get(), "the host read sees 'connection reset'");
            awaitNoConnections(n);
        }
    }

    @Test
    void aResetFromTheHostResetsTheGuest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            pool.submit(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().readNBytes(5);
                    s.setSoLinger(true, 0);
                }
                return null;
            });
            SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), T);
            c.write(ascii("hello"), 0, 5);
            assertTrue(c.awaitReset(T), () -> n.stats() + "\n" + n.net.describe() + Thread.currentThread().isInterrupted());
            assertTrue(n.stats().get(NetCounter.TCP_RESETS_SENT) >= 1);
            awaitNoConnections(n);
        }
    }

    @Test
    void aClosedHostPortRefusesTheGuest() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            IOException e = assertThrows(IOException.class, () -> n.guest.connect(UserNetConfig.GATEWAY, closedPort, T));
            assertEquals("connection refused", e.getMessage());
            assertEquals(1, n.stats().get(NetCounter.TCP_CONNECT_FAILED));
            awaitNoConnections(n);
        }
    }

    @Test
    void addressesTheStackDoesNotServeAreRefused() throws Exception {
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            for (int address : new int[] {UserNetConfig.NAMESERVER, 0x0A00_0209, 0xE000_00FB, 0x7F00_0001}) {
                assertThrows(IOException.class, () -> n.guest.connect(address, 80, T));
            }
            assertEquals(4, n.stats().get(NetCounter.IP_UNREACHABLE));
        }
    }

    @Test
    void twoHundredConnectionsAtOnce() throws Exception {
        int count = 200;
        int size = 64 << 10;
        try (ServerSocket server = new ServerSocket(0, count, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.fast());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            pool.submit(() -> {
                for (int i = 0; i < count; i++) {
                    Socket s = server.accept();
                    pool.submit(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());     // echo until EOF, then close
                        }
                        return null;
                    });
                }
                return null;
            });
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] data = TcpTransferTest.data(size, i);
                results.add(pool.submit(() -> {
                    SimTcp c = n.guest.connect(UserNetConfig.GATEWAY, server.getLocalPort(), T);
                    c.write(data, 0, data.length);
                    c.shutdownOutput();
                    byte[] back = readFully(c, size);
                    return Arrays.equals(data, back) && c.read(new byte[1], 0, 1, T) == -1;
                }));
            }
            for (Future<Boolean> r : results) {
                try {
                    assertTrue(r.get());
                } catch (Exception e) {
                    throw new AssertionError(n.stats() + "\n" + n.guest.counts() + "\n" + n.net.describe(), e);
                }
            }
            awaitNoConnections(n);
            assertEquals(count, n.stats().get(NetCounter.TCP_OPENED));
            assertEquals(count, n.stats().get(NetCounter.TCP_CLOSED));
            n.assertCountsAddUp();
        }
    }

    static void awaitNoConnections(TestNet n) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (n.net.tcpConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, n.net.tcpConnections(), n.net::describe);
    }
}
