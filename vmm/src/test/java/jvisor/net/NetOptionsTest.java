package jvisor.net;

import java.net.InetAddress;
import java.util.List;
import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --net} values, as QEMU writes them. */
class NetOptionsTest {
    @Test
    void userAlone() {
        NetOptions.User u = (NetOptions.User) NetOptions.parse("user");
        assertEquals(List.of(), u.forwards());
        assertEquals(MacAddress.DEFAULT_GUEST, u.mac());
    }

    @Test
    void userWithForwardsAndMac() throws Exception {
        NetOptions.User u = (NetOptions.User) NetOptions.parse(
                "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-10.0.2.15:53,hostfwd=::2222-:22,mac=52:54:00:aa:bb:cc");
        assertEquals(3, u.forwards().size());
        HostForward web = u.forwards().get(0);
        assertEquals(HostForward.Protocol.TCP, web.protocol());
        assertEquals(InetAddress.getByName("127.0.0.1"), web.hostAddress());
        assertEquals(8080, web.hostPort());
        assertEquals(0, web.guestAddress());
        assertEquals(80, web.guestPort());
        HostForward dns = u.forwards().get(1);
        assertEquals(HostForward.Protocol.UDP, dns.protocol());
        assertTrue(dns.hostAddress().isAnyLocalAddress(), "an empty host address listens on all, as in QEMU");
        assertEquals(0x0A00_020F, dns.guestAddress());
        assertEquals(HostForward.Protocol.TCP, u.forwards().get(2).protocol(), "tcp when the protocol is left out");
        assertEquals("hostfwd=tcp:127.0.0.1:8080-:80", web.toString());
        assertEquals(0x5254_00AA_BBCCL, u.mac().bits());
    }

    @Test
    void tap() {
        NetOptions.Tap t = (NetOptions.Tap) NetOptions.parse("tap,ifname=tap0,vnet_hdr=off");
        assertEquals("tap0", t.ifname());
        assertFalse(t.vnetHeader());
        assertTrue(((NetOptions.Tap) NetOptions.parse("tap,ifname=br-tap")).vnetHeader());
    }

    @Test
    void mistakesNameTheOptionAndTheFix() {
        assertMessage("--net 'slirp': the back end is user or tap (e.g. --net user or --net tap,ifname=tap0)", "slirp");
        assertMessage("--net tap needs the device: tap,ifname=tap0 (create it with: ip tuntap add dev tap0 mode tap)", "tap");
        assertMessage("--net user: unknown setting 'hostfw': use hostfwd=... or mac=...", "user,hostfw=tcp::1-:2");
        assertMessage("--net hostfwd=tcp::99999-:80: host port '99999' must be a number from 1 to 65535", "user,hostfwd=tcp::99999-:80");
        assertMessage("--net hostfwd=sctp::1-:2: protocol 'sctp' is neither tcp nor udp", "user,hostfwd=sctp::1-:2");
        assertMessage("--net hostfwd=tcp:localhost:80-:80: host address 'localhost' is not an IPv4 address such as 127.0.0.1 (or leave it empty)",
                "user,hostfwd=tcp:localhost:80-:80");
        assertMessage("--net hostfwd=tcp::80:80: no '-' between the host and guest sides; write hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. hostfwd=tcp:127.0.0.1:8080-:80",
                "user,hostfwd=tcp::80:80");
        assertMessage("--net hostfwd=tcp::8080-:81: host port 8080 (tcp) is forwarded twice; give each rule its own port",
                "user,hostfwd=tcp::8080-:80,hostfwd=tcp::8080-:81");
        assertMessage("--net mac '01:00:00:00:00:01' is a multicast address: a NIC needs a unicast one (first byte even)", "user,mac=01:00:00:00:00:01");
        assertMessage("--net mac '52:54:00' is not a MAC address: use six hex bytes, e.g. 52:54:00:12:34:56", "tap,ifname=t,mac=52:54:00");
        assertMessage("--net tap ifname='a/b': a Linux interface name is 1 to 15 printable characters without '/', ':' or spaces", "tap,ifname=a/b");
        assertMessage("--net tap vnet_hdr='yes': use on or off", "tap,ifname=t,vnet_hdr=yes");
        assertMessage("--net 'ifname' is not a setting: write key=value, e.g. hostfwd=tcp::2222-:22", "tap,ifname");
    }

    @Test
    void udpForwardsMayShareAPortNumberWithTcp() {
        NetOptions.User u = (NetOptions.User) NetOptions.parse("user,hostfwd=tcp::5353-:53,hostfwd=udp::5353-:53");
        assertEquals(2, u.forwards().size());
    }

    private static void assertMessage(String expected, String value) {
        BadInputException e = assertThrows(BadInputException.class, () -> NetOptions.parse(value));
        assertEquals(expected, e.getMessage());
    }
}
