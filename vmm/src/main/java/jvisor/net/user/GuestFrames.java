package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.MacAddress;
import jvisor.net.NetCounter;
import jvisor.net.TxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Udp;

/**
 * The first look at every frame from the guest: checks the Ethernet and IPv4 headers (every
 * length against what the frame holds) and hands the packet to the service or proxy for its
 * destination. Returns what became of the frame, so that every frame is counted exactly once.
 */
final class GuestFrames {
    private final UserNetConfig config;
    private final GuestLink link;
    private final ArpResponder arp;
    private final DhcpServer dhcp;
    private final DnsForwarder dns;
    private final IcmpResponder icmp;
    private final UdpProxy udp;
    private final TcpProxy tcp;

    GuestFrames(UserNetConfig config, GuestLink link, ArpResponder arp, DhcpServer dhcp, DnsForwarder dns,
                IcmpResponder icmp, UdpProxy udp, TcpProxy tcp) {
        this.config = config;
        this.link = link;
        this.arp = arp;
        this.dhcp = dhcp;
        this.dns = dns;
        this.icmp = icmp;
        this.udp = udp;
        this.tcp = tcp;
    }

    /** A frame from offset 0 to the buffer's limit. */
    NetCounter frame(ByteBuffer f, TxOffload offload, long now) {
        int length = f.limit();
        if (length < Ethernet.HEADER) {
            return NetCounter.RUNT;
        }
        long destination = MacAddress.readBits(f, Ethernet.DESTINATION);
        long source = MacAddress.readBits(f, Ethernet.SOURCE);
        boolean group = (destination & 0x0100_0000_0000L) != 0;
        if ((destination != link.gatewayMac() && !group) || (source & 0x0100_0000_0000L) != 0) {
            return NetCounter.NOT_FOR_US;
        }
        NetCounter result = switch (Bytes.u16(f, Ethernet.TYPE)) {
            case Ethernet.TYPE_ARP -> arp.handle(f, length);
            case Ethernet.TYPE_IPV4 -> ipv4(f, length, offload, now);
            default -> NetCounter.ETHERTYPE;
        };
        if (result == NetCounter.ACCEPTED && source != link.guestMac()) {
            link.learnGuestMac(source);
        }
        return result;
    }

    private NetCounter ipv4(ByteBuffer f, int length, TxOffload offload, long now) {
        int ip = Ethernet.HEADER;
        int available = length - ip;
        if (available < Ipv4.HEADER) {
            return NetCounter.IP_MALFORMED;
        }
        int versionIhl = Bytes.u8(f, ip + Ipv4.VERSION_IHL);
        int ihl = (versionIhl & 0xF) * 4;
        int total = Bytes.u16(f, ip + Ipv4.TOTAL_LENGTH);
        if (versionIhl >>> 4 != 4 || ihl < Ipv4.HEADER || ihl > available || total < ihl || total > available) {
            return NetCounter.IP_MALFORMED;
        }
        // A TSO super-segment's header is the guest's template; only check what the guest finished itself.
        if (offload.segmentation() == TxOffload.Segmentation.NONE && !Checksum.verifies(Checksum.sum(f, ip, ihl))) {
            return NetCounter.IP_CHECKSUM;
        }
        if ((Bytes.u16(f, ip + Ipv4.FLAGS_FRAGMENT) & (Ipv4.MORE_FRAGMENTS | Ipv4.FRAGMENT_OFFSET)) != 0) {
            return NetCounter.IP_FRAGMENT;
        }
        int source = Bytes.u32(f, ip + Ipv4.SOURCE);
        int destination = Bytes.u32(f, ip + Ipv4.DESTINATION);
        int protocol = Bytes.u8(f, ip + Ipv4.PROTOCOL);
        if (source == 0 ? protocol != Ipv4.PROTOCOL_UDP : !guestSource(source)) {
            return NetCounter.IP_SOURCE;
        }
        int l4 = ip + ihl;
        int l4Length = total - ihl;
        boolean pending = offload.checksumPending();
        return switch (protocol) {
            case Ipv4.PROTOCOL_UDP -> udp(f, l4, l4Length, source, destination, pending, now);
            case Ipv4.PROTOCOL_TCP -> tcp.segment(f, l4, l4Length, source, destination, pending, now);
            case Ipv4.PROTOCOL_ICMP -> icmp.handle(f, l4, l4Length, source, destination);
            default -> NetCounter.IP_PROTOCOL;
        };
    }

    /** An address the guest may send from: in its network, and none of the stack's own. */
    private boolean guestSource(int a) {
        return config.inNetwork(a) && a != config.gateway() && a != config.nameserver()
                && a != config.broadcast() && a != config.network();
    }

    private NetCounter udp(ByteBuffer f, int at, int length, int source, int destination, boolean pending, long now) {
        if (length < Udp.HEADER) {
            return NetCounter.UDP_MALFORMED;
        }
        int udpLength = Bytes.u16(f, at + Udp.LENGTH);
        if (udpLength < Udp.HEADER || udpLength > length) {
            return NetCounter.UDP_MALFORMED;
        }
        if (!pending && Bytes.u16(f, at + Udp.CHECKSUM) != 0 && !Checksum.verifies(
                Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, udpLength) + Checksum.sum(f, at, udpLength))) {
            return NetCounter.UDP_CHECKSUM;
        }
        int sourcePort = Bytes.u16(f, at + Udp.SOURCE_PORT);
        int destinationPort = Bytes.u16(f, at + Udp.DESTINATION_PORT);
        int payload = at + Udp.HEADER;
        int payloadLength = udpLength - Udp.HEADER;
        if (DhcpServer.isRequest(destination, destinationPort, config)) {
            return dhcp.handle(f, payload, payloadLength);
        }
        if (source == 0 || sourcePort == 0) {
            return NetCounter.IP_SOURCE;
        }
        if (destination == config.nameserver()) {
            return destinationPort == HostResolvers.DNS_PORT
                    ? dns.query(f, payload, payloadLength, source, sourcePort) : NetCounter.IP_UNREACHABLE;
        }
        if (!routable(destination) || destinationPort == 0) {
            return NetCounter.IP_UNREACHABLE;
        }
        return udp.send(f, payload, payloadLength, source, sourcePort, destination, destinationPort, now);
    }

    /** The gateway and outside unicast addresses; not the guest's own network, broadcast, multicast or loopback. */
    private boolean routable(int a) {
        if (a == config.gateway()) {
            return true;
        }
        int first = a >>> 24;
        return !config.inNetwork(a) && a != Ipv4.BROADCAST && !Ipv4.multicast(a) && first != 0 && first != 127;
    }
}
