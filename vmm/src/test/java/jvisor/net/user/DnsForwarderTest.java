package jvisor.net.user;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import jvisor.net.NetCounter;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import jvisor.net.wire.Bytes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DNS server at 10.0.2.3, forwarding to a resolver on loopback. */
class DnsForwarderTest {
    /** Only for the test that waits out a time-out: on a loaded machine 200 ms can pass before an answer. */
    private static final NetLimits QUICK = NetLimits.DEFAULT.withTimeouts(
            NetLimits.DEFAULT.connectTimeout(), NetLimits.DEFAULT.udpIdle(), Duration.ofMillis(200));

    private static TestNet net(FakeResolver resolver) throws Exception {
        return net(resolver, NetLimits.DEFAULT);
    }

    private static TestNet net(FakeResolver resolver, NetLimits limits) throws Exception {
        TestNet n = new TestNet(SimOptions.plain(), limits, List.of(), List.of(resolver.address()));
        n.guest.configure(UserNetConfig.GUEST, UserNetConfig.GATEWAY_MAC);
        return n;
    }

    @Test
    void aQueryIsAnsweredWithTheGuestsIdFromTheDnsAddress() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            n.guest.bindUdp(5353);
            byte[] query = RawFrames.dnsQuery(0xABCD, "example.test");
            n.guest.sendUdp(5353, UserNetConfig.NAMESERVER, 53, query);
            SimGuest.Datagram answer = n.guest.receiveUdp(5353, TestNet.TIMEOUT);
            assertNotNull(answer);
            assertEquals(UserNetConfig.NAMESERVER, answer.sourceAddress());
            assertEquals(53, answer.sourcePort());
            byte[] expected = FakeResolver.answer(query);
            assertArrayEquals(expected, answer.data(), "the resolver's answer, with the guest's own ID");
            assertEquals(1, n.stats().get(NetCounter.DNS_QUERIES));
            n.assertCountsAddUp();
        }
    }

    @Test
    void equalIdsFromTwoGuestPortsAreKeptApart() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            n.guest.bindUdp(1001);
            n.guest.bindUdp(1002);
            n.guest.sendUdp(1001, UserNetConfig.NAMESERVER, 53, RawFrames.dnsQuery(7, "one.test"));
            n.guest.sendUdp(1002, UserNetConfig.NAMESERVER, 53, RawFrames.dnsQuery(7, "two.test"));
            SimGuest.Datagram a = n.guest.receiveUdp(1001, TestNet.TIMEOUT);
            SimGuest.Datagram b = n.guest.receiveUdp(1002, TestNet.TIMEOUT);
            assertNotNull(a, "an answer on port 1001");
            assertNotNull(b, "an answer on port 1002");
            assertTrue(new String(a.data(), 0, 20, java.nio.charset.StandardCharsets.ISO_8859_1).contains("one"));
            assertTrue(new String(b.data(), 0, 20, java.nio.charset.StandardCharsets.ISO_8859_1).contains("two"));
            assertEquals(2, resolver.idsSeen.stream().distinct().count(), "the forwarder gave them different IDs");
        }
    }

    @Test
    void aLargeAnswerArrivesInFragments() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            n.guest.bindUdp(5353);
            byte[] query = RawFrames.dnsQuery(1, "big.test");
            n.guest.sendUdp(5353, UserNetConfig.NAMESERVER, 53, query);
            SimGuest.Datagram answer = n.guest.receiveUdp(5353, TestNet.TIMEOUT);
            assertNotNull(answer);
            assertArrayEquals(FakeResolver.answer(query), answer.data());
        }
    }

    @Test
    void anUnansweredQueryTimesOut() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver, QUICK)) {
            n.guest.bindUdp(5353);
            n.guest.sendUdp(5353, UserNetConfig.NAMESERVER, 53, RawFrames.dnsQuery(1, "silent.test"));
            assertNull(n.guest.receiveUdp(5353, Duration.ofMillis(600)));
            assertEquals(1, n.stats().get(NetCounter.DNS_TIMEOUT));
        }
    }

    @Test
    void queriesBeyondThePendingLimitAreDropped() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            int limit = NetLimits.DEFAULT.dnsPending();
            for (int i = 0; i < limit + 50; i++) {
                n.guest.sendUdp(2000 + i, UserNetConfig.NAMESERVER, 53, RawFrames.dnsQuery(i, "silent.test"));
            }
            assertEquals(limit, n.stats().get(NetCounter.DNS_QUERIES));
            assertEquals(50, n.stats().get(NetCounter.DNS_BUSY));
            n.assertCountsAddUp();
        }
    }

    @Test
    void malformedQueriesAreCounted() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            n.guest.sendUdp(5353, UserNetConfig.NAMESERVER, 53, new byte[5]);
            byte[] response = RawFrames.dnsQuery(1, "x.test");
            response[2] |= (byte) 0x80;
            n.guest.sendUdp(5353, UserNetConfig.NAMESERVER, 53, response);
            assertEquals(2, n.stats().get(NetCounter.DNS_MALFORMED));
            n.assertCountsAddUp();
        }
    }

    @Test
    void dnsOverTcpGoesToTheResolver() throws Exception {
        try (FakeResolver resolver = new FakeResolver(); TestNet n = net(resolver)) {
            SimTcp c = n.guest.connect(UserNetConfig.NAMESERVER, 53, TestNet.TIMEOUT);
            byte[] query = RawFrames.dnsQuery(9, "tcp.test");
            byte[] framed = new byte[query.length + 2];
            Bytes.put16(ByteBuffer.wrap(framed), 0, query.length);
            System.arraycopy(query, 0, framed, 2, query.length);
            c.write(framed, 0, framed.length);
            byte[] expected = FakeResolver.answer(query);
            byte[] got = TcpBehaviourTest.readFully(c, expected.length + 2);
            assertArrayEquals(expected, Arrays.copyOfRange(got, 2, got.length));
        }
    }

    @Test
    void resolvConfNameserversInOrderAndTheCLibrarysDefault(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = dir.resolve("resolv.conf");
        java.nio.file.Files.writeString(conf, "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1\nnameserver bogus\n");
        List<java.net.InetSocketAddress> servers = HostResolvers.read(conf);
        assertEquals(2, servers.size());
        assertEquals("192.0.2.53", servers.get(0).getAddress().getHostAddress());
        assertEquals(53, servers.get(1).getPort());
        java.nio.file.Files.writeString(conf, "search only\n");
        assertTrue(HostResolvers.read(conf).get(0).getAddress().isLoopbackAddress());
        assertTrue(HostResolvers.read(dir.resolve("missing")).get(0).getAddress().isLoopbackAddress());
    }
}
