package jvisor.net.user;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jvisor.boot.BadInputException;
import jvisor.net.HostForward;
import jvisor.net.NetCounter;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hostfwd: host clients reaching servers in the guest. */
class HostForwardTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aHostClientReachesATcpServerInTheGuest() throws Exception {
        int port = freeTcpPort();
        HostForward rule = new HostForward(HostForward.Protocol.TCP, LOOPBACK, port, 0, 8080);
        int size = 1 << 20;
        byte[] up = TcpTransferTest.data(size, 11);
        try (TestNet n = TestNet.configured(SimOptions.fast(), NetLimits.DEFAULT, List.of(rule));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            n.guest.listen(8080);
            Future<byte[]> client = pool.submit(() -> {
                try (Socket s = new Socket(LOOPBACK, port)) {
                    s.getOutputStream().write(up);
                    s.shutdownOutput();
                    return s.getInputStream().readAllBytes();
                }
            });
            SimTcp server = n.guest.accept(8080, TestNet.TIMEOUT);
            assertNotNull(server, "the guest saw the forwarded connection");
            byte[] got = TcpBehaviourTest.readFully(server, size);
            assertEquals(-1, server.read(new byte[1], 0, 1, TestNet.TIMEOUT));
            assertArrayEquals(up, got);
            server.write(got, 0, size);     // echo it back
            server.shutdownOutput();
            assertArrayEquals(up, client.get());
            assertEquals(1, n.stats().get(NetCounter.HOSTFWD_ACCEPTED));
            TcpBehaviourTest.awaitNoConnections(n);
            n.assertCountsAddUp();
        }
    }

    @Test
    void aClosedGuestPortResetsTheHostClient() throws Exception {
        int port = freeTcpPort();
        HostForward rule = new HostForward(HostForward.Protocol.TCP, LOOPBACK, port, 0, 8081);
        try (TestNet n = TestNet.configured(SimOptions.plain(), NetLimits.DEFAULT, List.of(rule));
             Socket s = new Socket(LOOPBACK, port)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertThrows(IOException.class, () -> {
                if (in.read() < 0) {
                    throw new IOException("EOF");
                }
            });
            TcpBehaviourTest.awaitNoConnections(n);
        }
    }

    @Test
    void aHostClientReachesAUdpServerInTheGuest() throws Exception {
        int port = freeUdpPort();
        HostForward rule = new HostForward(HostForward.Protocol.UDP, LOOPBACK, port, 0, 5353);
        try (TestNet n = TestNet.configured(SimOptions.plain(), NetLimits.DEFAULT, List.of(rule));
             DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            n.guest.bindUdp(5353);
            byte[] question = "question".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(question, question.length, new InetSocketAddress(LOOPBACK, port)));
            SimGuest.Datagram d = n.guest.receiveUdp(5353, TestNet.TIMEOUT);
            assertNotNull(d);
            assertArrayEquals(question, d.data());
            assertEquals(UserNetConfig.GATEWAY, d.sourceAddress(), "the host's loopback appears as the gateway");
            assertEquals(client.getLocalPort(), d.sourcePort());
            byte[] answer = "answer".getBytes(StandardCharsets.US_ASCII);
            n.guest.sendUdp(5353, d.sourceAddress(), d.sourcePort(), answer);
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            client.setSoTimeout(10_000);
            client.receive(p);
            assertEquals("answer", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            assertEquals(port, p.getPort(), "the answer comes from the forwarded port");
            assertEquals(0, n.net.udpSessions(), "the answer used the rule's socket, not a session of its own");
            n.assertCountsAddUp();
        }
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            HostForward rule = new HostForward(HostForward.Protocol.TCP, LOOPBACK, taken.getLocalPort(), 0, 80);
            BadInputException e = assertThrows(BadInputException.class,
                    () -> UserNetwork.open(UserNetConfig.standard(List.of(rule), List.of(TestNet.SILENT_RESOLVER), NetLimits.DEFAULT)));
            assertTrue(e.getMessage().startsWith("--net hostfwd=tcp:127.0.0.1:" + taken.getLocalPort() + "-:80: host port"), e.getMessage());
            assertTrue(e.getMessage().contains("is in use"), e.getMessage());
        }
    }
}
