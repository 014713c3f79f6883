package jvisor.net.user;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import jvisor.net.NetCounter;
import jvisor.net.TxOffload;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UDP from the guest to host services through per-port sessions. */
class UdpProxyTest {
    private static final NetLimits QUICK_IDLE = NetLimits.DEFAULT.withTimeouts(
            NetLimits.DEFAULT.connectTimeout(), Duration.ofMillis(200), NetLimits.DEFAULT.dnsTimeout());

    @Test
    void aDatagramToTheGatewayReachesTheHostsLoopbackAndTheAnswerComesBack() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain())) {
            n.guest.bindUdp(4000);
            n.guest.sendUdp(4000, UserNetConfig.GATEWAY, host.getLocalPort(), "ping".getBytes(StandardCharsets.US_ASCII));
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            host.setSoTimeout(5000);
            host.receive(p);
            assertEquals("ping", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            host.send(new DatagramPacket("pong".getBytes(StandardCharsets.US_ASCII), 4, p.getSocketAddress()));
            SimGuest.Datagram answer = n.guest.receiveUdp(4000, TestNet.TIMEOUT);
            assertNotNull(answer);
            assertEquals(UserNetConfig.GATEWAY, answer.sourceAddress());
            assertEquals(host.getLocalPort(), answer.sourcePort());
            assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), answer.data());
            assertEquals(1, n.stats().get(NetCounter.UDP_OPENED));
            n.assertCountsAddUp();
        }
    }

    @Test
    void largeDatagramsFromTheHostArriveInFragments() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain())) {
            n.guest.bindUdp(4000);
            n.guest.sendUdp(4000, UserNetConfig.GATEWAY, host.getLocalPort(), new byte[1]);
            DatagramPacket p = new DatagramPacket(new byte[10], 10);
            host.receive(p);
            byte[] big = TcpTransferTest.data(20_000, 5);
            host.send(new DatagramPacket(big, big.length, p.getSocketAddress()));
            SimGuest.Datagram answer = n.guest.receiveUdp(4000, TestNet.TIMEOUT);
            assertNotNull(answer);
            assertArrayEquals(big, answer.data());
        }
    }

    @Test
    void idleSessionsClose() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain(), QUICK_IDLE, List.of())) {
            n.guest.sendUdp(4000, UserNetConfig.GATEWAY, host.getLocalPort(), new byte[1]);
            assertEquals(1, n.net.udpSessions());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (n.net.udpSessions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, n.net.udpSessions());
            assertEquals(1, n.stats().get(NetCounter.UDP_CLOSED));
        }
    }

    @Test
    void aFloodFromManyPortsKeepsTheSessionLimit() throws Exception {
        NetLimits few = NetLimits.DEFAULT.withUdpSessions(16);
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain(), few, List.of())) {
            TxOffload none = new TxOffload();
            for (int i = 0; i < 5000; i++) {
                n.net.transmit(RawFrames.udp(UserNetConfig.GUEST, 10000 + i % 2000, UserNetConfig.GATEWAY, host.getLocalPort(), new byte[64]), none);
                assertTrue(n.net.udpSessions() <= 16);
            }
            assertEquals(16, n.net.udpSessions());
            assertEquals(n.stats().get(NetCounter.UDP_OPENED) - 16, n.stats().get(NetCounter.UDP_CLOSED), "the least recently used gave way");
            n.assertCountsAddUp();
        }
    }

    @Test
    void aFloodToAHostThatDoesNotReadKeepsNothingInTheStack() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain())) {
            TxOffload none = new TxOffload();
            var frame = RawFrames.udp(UserNetConfig.GUEST, 4000, UserNetConfig.GATEWAY, host.getLocalPort(), new byte[1400]);
            for (int i = 0; i < 20_000; i++) {
                n.net.transmit(frame.clear(), none);
            }
            // The stack keeps nothing: a datagram goes to the host socket at once or is counted as refused,
            // and the host's kernel drops what the reader's buffer cannot hold.
            assertEquals(20_000, n.stats().get(NetCounter.ACCEPTED) + n.stats().get(NetCounter.UDP_HOST_BUSY));
            assertEquals(1, n.net.udpSessions());
            n.assertCountsAddUp();
        }
    }

    @Test
    void aFloodFromTheHostToASlowGuestIsBounded() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestNet n = TestNet.configured(SimOptions.plain().withReceive(2, 200_000))) {
            n.guest.bindUdp(4000);
            n.guest.sendUdp(4000, UserNetConfig.GATEWAY, host.getLocalPort(), new byte[1]);
            DatagramPacket p = new DatagramPacket(new byte[10], 10);
            host.receive(p);
            byte[] data = new byte[1000];
            for (int i = 0; i < 20_000; i++) {
                host.send(new DatagramPacket(data, data.length, p.getSocketAddress()));
            }
            Thread.sleep(300);
            assertTrue(n.net.guestBlocked() || n.stats().get(NetCounter.GUEST_FULL) > 0, "the guest was full");
            long delivered = n.stats().get(NetCounter.TO_GUEST);
            assertTrue(delivered < 20_000, "what the guest cannot take stays in the host socket, which drops it: " + n.stats());
        }
    }
}
