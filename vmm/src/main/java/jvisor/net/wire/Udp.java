package jvisor.net.wire;

/** UDP (RFC 768): offsets from the start of the UDP header. */
public final class Udp {
    private Udp() { }

    public static final int HEADER = 8;
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
}
