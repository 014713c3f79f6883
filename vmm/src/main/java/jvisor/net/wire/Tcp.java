package jvisor.net.wire;

/** TCP (RFC 9293): header offsets from the start of the TCP header, flags and option kinds. */
public final class Tcp {
    private Tcp() { }

    public static final int HEADER = 20;
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int SEQUENCE = 4;
    public static final int ACKNOWLEDGEMENT = 8;
    public static final int DATA_OFFSET = 12;
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT = 18;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_WINDOW_SCALE = 3;
    /** RFC 7323 caps the shift at 14. */
    public static final int MAX_WINDOW_SCALE = 14;

    /** Sequence-space comparison (RFC 1982 style): true if {@code a} comes before {@code b}. */
    public static boolean before(int a, int b) {
        return a - b < 0;
    }

    public static boolean beforeOrAt(int a, int b) {
        return a - b <= 0;
    }
}
