package jvisor.net.user;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jvisor.net.MacAddress;
import jvisor.net.wire.Arp;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Icmp;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import jvisor.net.wire.Udp;

/** Frames built byte by byte, as a guest (or a hostile one) would send them. */
final class RawFrames {
    private RawFrames() { }

    static final long GUEST_MAC = MacAddress.DEFAULT_GUEST.bits();

    static ByteBuffer arpRequest(int senderIp, int targetIp) {
        ByteBuffer f = ByteBuffer.allocate(Ethernet.HEADER + Arp.LENGTH);
        Ethernet.writeHeader(f, MacAddress.BROADCAST.bits(), GUEST_MAC, Ethernet.TYPE_ARP);
        int a = Ethernet.HEADER;
        Bytes.put16(f, a + Arp.HARDWARE_TYPE, Arp.ETHERNET);
        Bytes.put16(f, a + Arp.PROTOCOL_TYPE, Ethernet.TYPE_IPV4);
        Bytes.put8(f, a + Arp.HARDWARE_SIZE, 6);
        Bytes.put8(f, a + Arp.PROTOCOL_SIZE, 4);
        Bytes.put16(f, a + Arp.OPERATION, Arp.REQUEST);
        MacAddress.writeBits(f, a + Arp.SENDER_MAC, GUEST_MAC);
        Bytes.put32(f, a + Arp.SENDER_IP, senderIp);
        Bytes.put32(f, a + Arp.TARGET_IP, targetIp);
        return f;
    }

    /** An IPv4 frame to the gateway's MAC with {@code payload} bytes of transport after the header. */
    static ByteBuffer ipv4(int protocol, int source, int destination, int payload) {
        ByteBuffer f = ByteBuffer.allocate(Ethernet.HEADER + Ipv4.HEADER + payload).order(ByteOrder.BIG_ENDIAN);
        long mac = destination == Ipv4.BROADCAST ? MacAddress.BROADCAST.bits() : UserNetConfig.GATEWAY_MAC;
        Ethernet.writeHeader(f, mac, GUEST_MAC, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(f, Ethernet.HEADER, Ipv4.HEADER + payload, 1, 0, protocol, source, destination);
        return f;
    }

    static ByteBuffer udp(int source, int sourcePort, int destination, int destinationPort, byte[] data) {
        ByteBuffer f = ipv4(Ipv4.PROTOCOL_UDP, source, destination, Udp.HEADER + data.length);
        int u = Ethernet.HEADER + Ipv4.HEADER;
        Bytes.put16(f, u + Udp.SOURCE_PORT, sourcePort);
        Bytes.put16(f, u + Udp.DESTINATION_PORT, destinationPort);
        Bytes.put16(f, u + Udp.LENGTH, Udp.HEADER + data.length);
        f.put(u + Udp.HEADER, data);
        int c = Checksum.finish(Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, Udp.HEADER + data.length)
                + Checksum.sum(f, u, Udp.HEADER + data.length));
        Bytes.put16(f, u + Udp.CHECKSUM, c == 0 ? 0xFFFF : c);
        return f;
    }

    static ByteBuffer tcp(int source, int sourcePort, int destination, int destinationPort, int seq, int ack, int flags, byte[] data) {
        int length = Tcp.HEADER + data.length;
        ByteBuffer f = ipv4(Ipv4.PROTOCOL_TCP, source, destination, length);
        int t = Ethernet.HEADER + Ipv4.HEADER;
        Bytes.put16(f, t + Tcp.SOURCE_PORT, sourcePort);
        Bytes.put16(f, t + Tcp.DESTINATION_PORT, destinationPort);
        Bytes.put32(f, t + Tcp.SEQUENCE, seq);
        Bytes.put32(f, t + Tcp.ACKNOWLEDGEMENT, ack);
        Bytes.put8(f, t + Tcp.DATA_OFFSET, 5 << 4);
        Bytes.put8(f, t + Tcp.FLAGS, flags);
        Bytes.put16(f, t + Tcp.WINDOW, 65535);
        f.put(t + Tcp.HEADER, data);
        Bytes.put16(f, t + Tcp.CHECKSUM, Checksum.finish(Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_TCP, length)
                + Checksum.sum(f, t, length)));
        return f;
    }

    static ByteBuffer echoRequest(int source, int destination, int id, int seq) {
        ByteBuffer f = ipv4(Ipv4.PROTOCOL_ICMP, source, destination, Icmp.HEADER + 16);
        int i = Ethernet.HEADER + Ipv4.HEADER;
        Bytes.put8(f, i + Icmp.TYPE, Icmp.ECHO_REQUEST);
        Bytes.put16(f, i + 4, id);
        Bytes.put16(f, i + 6, seq);
        Bytes.put16(f, i + Icmp.CHECKSUM, Checksum.finish(Checksum.sum(f, i, Icmp.HEADER + 16)));
        return f;
    }

    /** A BOOTP request from {@code mac}: {@code type} (1 DISCOVER, 3 REQUEST, 8 INFORM), an optional requested address. */
    static byte[] dhcp(int type, long mac, int requested, int clientAddress, boolean broadcast) {
        byte[] m = new byte[300];
        ByteBuffer b = ByteBuffer.wrap(m);
        Bytes.put8(b, 0, 1);
        Bytes.put8(b, 1, 1);
        Bytes.put8(b, 2, 6);
        Bytes.put32(b, 4, 0xCAFE_0001);
        Bytes.put16(b, 10, broadcast ? 0x8000 : 0);
        Bytes.put32(b, 12, clientAddress);
        MacAddress.writeBits(b, 28, mac);
        Bytes.put32(b, 236, 0x6382_5363);
        int i = 240;
        m[i++] = 53;
        m[i++] = 1;
        m[i++] = (byte) type;
        if (requested != 0) {
            m[i++] = 50;
            m[i++] = 4;
            Bytes.put32(b, i, requested);
            i += 4;
        }
        m[i] = (byte) 255;
        return m;
    }

    static byte[] dnsQuery(int id, String name) {
        ByteBuffer b = ByteBuffer.allocate(12 + name.length() + 2 + 4);
        Bytes.put16(b, 0, id);
        Bytes.put16(b, 2, 0x0100);      // recursion desired
        Bytes.put16(b, 4, 1);
        int i = 12;
        for (String label : name.split("\\.")) {
            b.put(i++, (byte) label.length());
            for (char c : label.toCharArray()) {
                b.put(i++, (byte) c);
            }
        }
        b.put(i++, (byte) 0);
        Bytes.put16(b, i, 1);
        Bytes.put16(b, i + 2, 1);
        return b.array();
    }
}
