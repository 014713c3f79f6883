package jvisor.net;

/**
 * What a backend counts. Every frame from the guest ends in exactly one {@link Kind#GUEST_FRAME}
 * counter ({@link #ACCEPTED} or a reason it was dropped), so that those add up to {@link #FROM_GUEST}.
 */
public enum NetCounter {
    FROM_GUEST(Kind.TRAFFIC, "frames from the guest"),
    FROM_GUEST_BYTES(Kind.TRAFFIC, "bytes from the guest"),
    TO_GUEST(Kind.TRAFFIC, "frames to the guest"),
    TO_GUEST_BYTES(Kind.TRAFFIC, "bytes to the guest"),
    GUEST_FULL(Kind.TRAFFIC, "times the guest had no receive buffer"),

    ACCEPTED(Kind.GUEST_FRAME, "accepted"),
    RUNT(Kind.GUEST_FRAME, "shorter than an Ethernet header"),
    OVERSIZE(Kind.GUEST_FRAME, "longer than the largest IPv4 packet"),
    NOT_FOR_US(Kind.GUEST_FRAME, "to another MAC address"),
    ETHERTYPE(Kind.GUEST_FRAME, "unsupported EtherType"),
    ARP_MALFORMED(Kind.GUEST_FRAME, "malformed ARP"),
    ARP_IGNORED(Kind.GUEST_FRAME, "ARP for no address of ours"),
    IP_MALFORMED(Kind.GUEST_FRAME, "malformed IPv4 header"),
    IP_CHECKSUM(Kind.GUEST_FRAME, "bad IPv4 header checksum"),
    IP_FRAGMENT(Kind.GUEST_FRAME, "IPv4 fragment"),
    IP_SOURCE(Kind.GUEST_FRAME, "source address outside the guest's network"),
    IP_UNREACHABLE(Kind.GUEST_FRAME, "destination not served"),
    IP_PROTOCOL(Kind.GUEST_FRAME, "unsupported IP protocol"),
    TCP_MALFORMED(Kind.GUEST_FRAME, "malformed TCP"),
    TCP_CHECKSUM(Kind.GUEST_FRAME, "bad TCP checksum"),
    TCP_NO_CONNECTION(Kind.GUEST_FRAME, "TCP segment for no connection"),
    TCP_LIMIT(Kind.GUEST_FRAME, "TCP connection limit reached"),
    UDP_MALFORMED(Kind.GUEST_FRAME, "malformed UDP"),
    UDP_CHECKSUM(Kind.GUEST_FRAME, "bad UDP checksum"),
    UDP_LIMIT(Kind.GUEST_FRAME, "UDP socket could not be opened"),
    UDP_HOST_BUSY(Kind.GUEST_FRAME, "UDP datagram the host socket would not take"),
    ICMP_MALFORMED(Kind.GUEST_FRAME, "malformed ICMP"),
    ICMP_UNSUPPORTED(Kind.GUEST_FRAME, "ICMP other than echo to the gateway"),
    DHCP_MALFORMED(Kind.GUEST_FRAME, "malformed DHCP"),
    DNS_MALFORMED(Kind.GUEST_FRAME, "malformed DNS query"),
    DNS_BUSY(Kind.GUEST_FRAME, "DNS query beyond the pending limit"),
    TAP_WRITE(Kind.GUEST_FRAME, "frame the TAP device would not take"),
    INTERNAL_ERROR(Kind.GUEST_FRAME, "frame that met a bug in the stack (see the log)"),

    TO_GUEST_DROPPED(Kind.HOST_DROP, "frames for the guest dropped: its queue was full"),
    UDP_TO_GUEST_DROPPED(Kind.HOST_DROP, "UDP datagrams from the host not delivered"),
    DNS_TIMEOUT(Kind.HOST_DROP, "DNS queries the host resolver did not answer"),

    ARP_REPLIES(Kind.EVENT, "ARP replies"),
    DHCP_ACKS(Kind.EVENT, "DHCP acknowledgements"),
    DNS_QUERIES(Kind.EVENT, "DNS queries forwarded"),
    ICMP_ECHO_REPLIES(Kind.EVENT, "ICMP echo replies"),
    TCP_OPENED(Kind.EVENT, "TCP connections opened"),
    TCP_CLOSED(Kind.EVENT, "TCP connections closed"),
    TCP_CONNECT_FAILED(Kind.EVENT, "TCP connects the host refused or timed out"),
    TCP_RESETS_SENT(Kind.EVENT, "TCP resets sent to the guest"),
    TCP_RETRANSMITS(Kind.EVENT, "TCP segments retransmitted to the guest"),
    TCP_NO_BUFFER(Kind.EVENT, "TCP connections refused for lack of buffer memory"),
    UDP_OPENED(Kind.EVENT, "UDP sessions opened"),
    UDP_CLOSED(Kind.EVENT, "UDP sessions closed"),
    HOSTFWD_ACCEPTED(Kind.EVENT, "host-forwarded connections accepted");

    /** What a counter counts: traffic, the fate of guest frames, host data dropped, or events. */
    public enum Kind { TRAFFIC, GUEST_FRAME, HOST_DROP, EVENT }

    private final Kind kind;
    private final String description;

    NetCounter(Kind kind, String description) {
        this.kind = kind;
        this.description = description;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }
}
