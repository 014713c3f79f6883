package jvisor.net.wire;

/** ARP for IPv4 over Ethernet (RFC 826): offsets from the start of the ARP packet. */
public final class Arp {
    private Arp() { }

    public static final int LENGTH = 28;
    public static final int HARDWARE_TYPE = 0;
    public static final int PROTOCOL_TYPE = 2;
    public static final int HARDWARE_SIZE = 4;
    public static final int PROTOCOL_SIZE = 5;
    public static final int OPERATION = 6;
    public static final int SENDER_MAC = 8;
    public static final int SENDER_IP = 14;
    public static final int TARGET_MAC = 18;
    public static final int TARGET_IP = 24;
    public static final int ETHERNET = 1;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;
}
