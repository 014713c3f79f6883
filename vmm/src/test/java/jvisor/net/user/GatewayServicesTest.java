package jvisor.net.user;

import java.nio.ByteBuffer;
import java.time.Duration;
import jvisor.net.NetCounter;
import jvisor.net.TxOffload;
import jvisor.net.guestsim.SimDhcp;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ipv4;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARP, DHCP and ICMP echo: what the virtual router itself answers. */
class GatewayServicesTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void arpAnswersForTheGatewayAndTheDnsServerOnly() {
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            assertEquals(UserNetConfig.GATEWAY_MAC, n.guest.arp(UserNetConfig.GATEWAY, TestNet.TIMEOUT));
            assertEquals(UserNetConfig.GATEWAY_MAC, n.guest.arp(UserNetConfig.NAMESERVER, TestNet.TIMEOUT));
            assertEquals(-1, n.guest.arp(UserNetConfig.GUEST, SHORT), "the guest's own address (its duplicate-address probe)");
            assertEquals(-1, n.guest.arp(0x0A00_0209, SHORT));
            assertEquals(2, n.stats().get(NetCounter.ARP_REPLIES));
            assertEquals(2, n.stats().get(NetCounter.ARP_IGNORED));
            n.assertCountsAddUp();
        }
    }

    @Test
    void malformedArpIsCounted() {
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            ByteBuffer f = RawFrames.arpRequest(UserNetConfig.GUEST, UserNetConfig.GATEWAY);
            n.net.transmit(f.duplicate().limit(30), new TxOffload());
            ByteBuffer badSize = f.duplicate();
            badSize.put(14 + 4, (byte) 8);
            n.net.transmit(badSize, new TxOffload());
            assertEquals(2, n.stats().get(NetCounter.ARP_MALFORMED));
            n.assertCountsAddUp();
        }
    }

    @Test
    void dhcpGivesTheAddressRouterDnsAndLease() throws Exception {
        try (TestNet n = new TestNet(SimOptions.plain(), NetLimits.DEFAULT, java.util.List.of(), java.util.List.of(TestNet.SILENT_RESOLVER))) {
            SimDhcp.Lease lease = n.guest.dhcp(TestNet.TIMEOUT);
            assertEquals(UserNetConfig.GUEST, lease.address());
            assertEquals(0xFFFF_FF00, lease.netmask());
            assertEquals(UserNetConfig.GATEWAY, lease.router());
            assertEquals(UserNetConfig.NAMESERVER, lease.dns());
            assertEquals(DhcpServer.LEASE_SECONDS, lease.leaseSeconds());
            assertEquals(UserNetConfig.GATEWAY, lease.server());
            assertEquals(1, n.stats().get(NetCounter.DHCP_ACKS));
            assertTrue(n.guest.ping(UserNetConfig.GATEWAY, 1, 1, 8, TestNet.TIMEOUT), "configured by DHCP, the guest reaches its router");
            n.assertCountsAddUp();
        }
    }

    @Test
    void dhcpRefusesAnAddressThatIsNotTheClients() {
        try (TestNet n = new TestNet(SimOptions.plain(), NetLimits.DEFAULT, java.util.List.of(), java.util.List.of(TestNet.SILENT_RESOLVER))) {
            n.guest.bindUdp(68);
            n.guest.sendUdp(68, Ipv4.BROADCAST, 67, RawFrames.dhcp(3, RawFrames.GUEST_MAC, 0x0A00_0263, 0, true));
            SimGuest.Datagram nak = n.guest.receiveUdp(68, TestNet.TIMEOUT);
            assertNotNull(nak);
            assertEquals(6, messageType(nak.data()), "DHCPNAK");
            assertEquals(UserNetConfig.GATEWAY, nak.sourceAddress());
        }
    }

    @Test
    void dhcpInformGetsOptionsWithoutAnAddress() {
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            n.guest.bindUdp(68);
            n.guest.sendUdp(68, UserNetConfig.GATEWAY, 67, RawFrames.dhcp(8, RawFrames.GUEST_MAC, 0, UserNetConfig.GUEST, false));
            SimGuest.Datagram ack = n.guest.receiveUdp(68, TestNet.TIMEOUT);
            assertNotNull(ack);
            assertEquals(5, messageType(ack.data()));
            assertEquals(0, Bytes.u32(ByteBuffer.wrap(ack.data()), 16), "no yiaddr in an answer to INFORM");
        }
    }

    @Test
    void malformedDhcpIsCountedAndUnanswered() {
        try (TestNet n = new TestNet(SimOptions.plain(), NetLimits.DEFAULT, java.util.List.of(), java.util.List.of(TestNet.SILENT_RESOLVER))) {
            n.guest.bindUdp(68);
            byte[] noEnd = RawFrames.dhcp(1, RawFrames.GUEST_MAC, 0, 0, true);
            noEnd[240] = 53;
            noEnd[241] = (byte) 200;       // an option running past the message
            n.guest.sendUdp(68, Ipv4.BROADCAST, 67, noEnd);
            n.guest.sendUdp(68, Ipv4.BROADCAST, 67, new byte[100]);
            assertNull(n.guest.receiveUdp(68, SHORT));
            assertEquals(2, n.stats().get(NetCounter.DHCP_MALFORMED));
            n.assertCountsAddUp();
        }
    }

    @Test
    void pingTheGatewayAndTheDnsServer() {
        try (TestNet n = TestNet.configured(SimOptions.plain())) {
            assertTrue(n.guest.ping(UserNetConfig.GATEWAY, 7, 1, 56, TestNet.TIMEOUT));
            assertTrue(n.guest.ping(UserNetConfig.NAMESERVER, 7, 2, 1400, TestNet.TIMEOUT));
            assertFalse(n.guest.ping(0x0808_0808, 7, 3, 56, SHORT), "no ICMP socket: echo to the outside is dropped");
            assertEquals(2, n.stats().get(NetCounter.ICMP_ECHO_REPLIES));
            assertEquals(1, n.stats().get(NetCounter.ICMP_UNSUPPORTED));
            ByteBuffer bad = RawFrames.echoRequest(UserNetConfig.GUEST, UserNetConfig.GATEWAY, 1, 1);
            bad.put(14 + 20 + 10, (byte) 0x55);
            n.net.transmit(bad, new TxOffload());
            assertEquals(1, n.stats().get(NetCounter.ICMP_MALFORMED));
            n.assertCountsAddUp();
        }
    }

    static int messageType(byte[] dhcp) {
        for (int i = 240; i < dhcp.length && (dhcp[i] & 0xFF) != 255; ) {
            if (dhcp[i] == 0) {
                i++;
                continue;
            }
            if (dhcp[i] == 53) {
                return dhcp[i + 2];
            }
            i += 2 + (dhcp[i + 1] & 0xFF);
        }
        return -1;
    }
}
