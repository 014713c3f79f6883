package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.RxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;

/**
 * Builds TCP segments for the guest in the link's frame. Where the guest takes large segments it
 * also takes partial checksums (virtio requires GUEST_CSUM for GUEST_TSO4), so the stack writes
 * only the pseudo-header sum and never sums the payload; otherwise the checksum is complete.
 */
final class TcpWriter {
    static final int TRANSPORT = Ethernet.HEADER + Ipv4.HEADER;
    static final int SYN_OPTIONS = 8;
    /** A segment of at most one MSS with a partial checksum. */
    static final RxOffload PARTIAL = RxOffload.tcp4(TRANSPORT, Tcp.HEADER, 0);

    private final GuestLink link;

    TcpWriter(GuestLink link) {
        this.link = link;
    }

    /**
     * Writes the headers of a segment with {@code payload} bytes (which the caller copies to
     * {@link #payloadAt}) and returns the frame's length; then {@link #finish} it. A SYN carries
     * the MSS option and, if {@code synScale} is not negative, the window-scale option.
     */
    int header(TcpConnection c, int flags, int seq, int ack, int window, int payload, int synMss, int synScale) {
        ByteBuffer f = link.frame();
        int options = (flags & Tcp.SYN) != 0 ? SYN_OPTIONS : 0;
        int tcpLength = Tcp.HEADER + options + payload;
        link.writeIpv4(Ipv4.HEADER + tcpLength, Ipv4.PROTOCOL_TCP, c.remoteAddress, c.guestAddress);
        int t = TRANSPORT;
        Bytes.put16(f, t + Tcp.SOURCE_PORT, c.remotePort);
        Bytes.put16(f, t + Tcp.DESTINATION_PORT, c.guestPort);
        Bytes.put32(f, t + Tcp.SEQUENCE, seq);
        Bytes.put32(f, t + Tcp.ACKNOWLEDGEMENT, (flags & Tcp.ACK) != 0 ? ack : 0);
        Bytes.put8(f, t + Tcp.DATA_OFFSET, (Tcp.HEADER + options) / 4 << 4);
        Bytes.put8(f, t + Tcp.FLAGS, flags);
        Bytes.put16(f, t + Tcp.WINDOW, window);
        Bytes.put16(f, t + Tcp.CHECKSUM, 0);
        Bytes.put16(f, t + Tcp.URGENT, 0);
        if (options != 0) {
            int o = t + Tcp.HEADER;
            Bytes.put8(f, o, Tcp.OPTION_MSS);
            Bytes.put8(f, o + 1, 4);
            Bytes.put16(f, o + 2, synMss);
            Bytes.put8(f, o + 4, Tcp.OPTION_NOP);
            if (synScale >= 0) {
                Bytes.put8(f, o + 5, Tcp.OPTION_WINDOW_SCALE);
                Bytes.put8(f, o + 6, 3);
                Bytes.put8(f, o + 7, synScale);
            } else {
                Bytes.put8(f, o + 5, Tcp.OPTION_NOP);
                Bytes.put8(f, o + 6, Tcp.OPTION_NOP);
                Bytes.put8(f, o + 7, Tcp.OPTION_NOP);
            }
        }
        return TRANSPORT + tcpLength;
    }

    int payloadAt(int flags) {
        return TRANSPORT + Tcp.HEADER + ((flags & Tcp.SYN) != 0 ? SYN_OPTIONS : 0);
    }

    /** Fills the checksum of the segment just built; returns the offload to deliver it with. */
    RxOffload finish(TcpConnection c, int frameLength, int payload) {
        ByteBuffer f = link.frame();
        int tcpLength = frameLength - TRANSPORT;
        long pseudo = Checksum.pseudoHeader(c.remoteAddress, c.guestAddress, Ipv4.PROTOCOL_TCP, tcpLength);
        if (link.largeSegments()) {
            Bytes.put16(f, TRANSPORT + Tcp.CHECKSUM, Checksum.fold(pseudo));
            return payload > c.segmentSize() ? c.largeOffload() : PARTIAL;
        }
        Bytes.put16(f, TRANSPORT + Tcp.CHECKSUM, Checksum.finish(pseudo + Checksum.sum(f, TRANSPORT, tcpLength)));
        return RxOffload.DATA_VALID;
    }

    /** A reset for a segment that has no connection (RFC 9293 3.10.7.1), sent straight away. */
    void resetFor(TcpSegment s, int guestAddress, int remoteAddress) {
        boolean acked = s.has(Tcp.ACK);
        int seq = acked ? s.ack : 0;
        int ack = s.seq + s.sequenceLength();
        int flags = Tcp.RST | (acked ? 0 : Tcp.ACK);
        ByteBuffer f = link.frame();
        int tcpLength = Tcp.HEADER;
        link.writeIpv4(Ipv4.HEADER + tcpLength, Ipv4.PROTOCOL_TCP, remoteAddress, guestAddress);
        int t = TRANSPORT;
        Bytes.put16(f, t + Tcp.SOURCE_PORT, s.destinationPort);
        Bytes.put16(f, t + Tcp.DESTINATION_PORT, s.sourcePort);
        Bytes.put32(f, t + Tcp.SEQUENCE, seq);
        Bytes.put32(f, t + Tcp.ACKNOWLEDGEMENT, acked ? 0 : ack);
        Bytes.put8(f, t + Tcp.DATA_OFFSET, Tcp.HEADER / 4 << 4);
        Bytes.put8(f, t + Tcp.FLAGS, flags);
        Bytes.put16(f, t + Tcp.WINDOW, 0);
        Bytes.put16(f, t + Tcp.CHECKSUM, 0);
        Bytes.put16(f, t + Tcp.URGENT, 0);
        long pseudo = Checksum.pseudoHeader(remoteAddress, guestAddress, Ipv4.PROTOCOL_TCP, tcpLength);
        Bytes.put16(f, t + Tcp.CHECKSUM, Checksum.finish(pseudo + Checksum.sum(f, t, tcpLength)));
        link.send(t + tcpLength, RxOffload.DATA_VALID);
    }
}
