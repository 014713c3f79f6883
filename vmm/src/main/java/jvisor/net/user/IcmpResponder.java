package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.RxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Icmp;
import jvisor.net.wire.Ipv4;

/**
 * Answers ICMP echo requests to the stack's own addresses (the gateway and the DNS server), so
 * that {@code ping 10.0.2.2} works. Echo to the outside would need an ICMP socket the host rarely
 * grants an unprivileged process; such requests are counted and dropped.
 */
final class IcmpResponder {
    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;

    IcmpResponder(UserNetConfig config, GuestLink link, NetStats stats) {
        this.config = config;
        this.link = link;
        this.stats = stats;
    }

    /** An ICMP message of {@code length} bytes at {@code at}, from {@code source} to {@code destination}. */
    NetCounter handle(ByteBuffer f, int at, int length, int source, int destination) {
        if (length < Icmp.HEADER || !Checksum.verifies(Checksum.sum(f, at, length))) {
            return NetCounter.ICMP_MALFORMED;
        }
        if (Bytes.u8(f, at + Icmp.TYPE) != Icmp.ECHO_REQUEST || Bytes.u8(f, at + Icmp.CODE) != 0
                || (destination != config.gateway() && destination != config.nameserver())) {
            return NetCounter.ICMP_UNSUPPORTED;
        }
        ByteBuffer out = link.frame();
        int reply = Ethernet.HEADER + Ipv4.HEADER;
        out.put(reply, f, at, length);
        link.writeIpv4(Ipv4.HEADER + length, Ipv4.PROTOCOL_ICMP, destination, source);
        Bytes.put8(out, reply + Icmp.TYPE, Icmp.ECHO_REPLY);
        Bytes.put16(out, reply + Icmp.CHECKSUM, 0);
        Bytes.put16(out, reply + Icmp.CHECKSUM, Checksum.finish(Checksum.sum(out, reply, length)));
        link.send(reply + length, RxOffload.DATA_VALID);
        stats.increment(NetCounter.ICMP_ECHO_REPLIES);
        return NetCounter.ACCEPTED;
    }
}
