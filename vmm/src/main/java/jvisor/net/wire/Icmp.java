package jvisor.net.wire;

/** ICMP for IPv4 (RFC 792): offsets from the start of the ICMP message. */
public final class Icmp {
    private Icmp() { }

    public static final int HEADER = 8;
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int ECHO_REPLY = 0;
    public static final int UNREACHABLE = 3;
    public static final int ECHO_REQUEST = 8;
}
