package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.RxOffload;
import jvisor.net.wire.Arp;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ethernet;
import jvisor.net.MacAddress;

/**
 * Answers the guest's ARP requests for the gateway and the DNS server with the gateway's MAC
 * (everything the guest reaches goes through that one virtual router). Requests for any other
 * address, the guest's own included (its duplicate-address probe), go unanswered.
 */
final class ArpResponder {
    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;

    ArpResponder(UserNetConfig config, GuestLink link, NetStats stats) {
        this.config = config;
        this.link = link;
        this.stats = stats;
    }

    NetCounter handle(ByteBuffer f, int length) {
        int a = Ethernet.HEADER;
        if (length - a < Arp.LENGTH
                || Bytes.u16(f, a + Arp.HARDWARE_TYPE) != Arp.ETHERNET
                || Bytes.u16(f, a + Arp.PROTOCOL_TYPE) != Ethernet.TYPE_IPV4
                || Bytes.u8(f, a + Arp.HARDWARE_SIZE) != 6 || Bytes.u8(f, a + Arp.PROTOCOL_SIZE) != 4) {
            return NetCounter.ARP_MALFORMED;
        }
        int op = Bytes.u16(f, a + Arp.OPERATION);
        if (op != Arp.REQUEST && op != Arp.REPLY) {
            return NetCounter.ARP_MALFORMED;
        }
        long senderMac = MacAddress.readBits(f, a + Arp.SENDER_MAC);
        int senderIp = Bytes.u32(f, a + Arp.SENDER_IP);
        int target = Bytes.u32(f, a + Arp.TARGET_IP);
        if (op != Arp.REQUEST || (target != config.gateway() && target != config.nameserver())
                || (senderMac & 0x0100_0000_0000L) != 0) {
            return NetCounter.ARP_IGNORED;
        }
        ByteBuffer out = link.frame();
        Ethernet.writeHeader(out, senderMac, link.gatewayMac(), Ethernet.TYPE_ARP);
        Bytes.put16(out, a + Arp.HARDWARE_TYPE, Arp.ETHERNET);
        Bytes.put16(out, a + Arp.PROTOCOL_TYPE, Ethernet.TYPE_IPV4);
        Bytes.put8(out, a + Arp.HARDWARE_SIZE, 6);
        Bytes.put8(out, a + Arp.PROTOCOL_SIZE, 4);
        Bytes.put16(out, a + Arp.OPERATION, Arp.REPLY);
        MacAddress.writeBits(out, a + Arp.SENDER_MAC, link.gatewayMac());
        Bytes.put32(out, a + Arp.SENDER_IP, target);
        MacAddress.writeBits(out, a + Arp.TARGET_MAC, senderMac);
        Bytes.put32(out, a + Arp.TARGET_IP, senderIp);
        link.send(a + Arp.LENGTH, RxOffload.NONE);
        stats.increment(NetCounter.ARP_REPLIES);
        return NetCounter.ACCEPTED;
    }
}
