package jvisor.net.wire;

import java.nio.ByteBuffer;
import jvisor.net.MacAddress;

/** Ethernet II framing (no 802.1Q tags: a virtual NIC's guest has no reason to send them). */
public final class Ethernet {
    private Ethernet() { }

    public static final int HEADER = 14;
    public static final int DESTINATION = 0;
    public static final int SOURCE = 6;
    public static final int TYPE = 12;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    /** The largest payload without jumbo frames or segmentation offload. */
    public static final int MTU = 1500;

    public static void writeHeader(ByteBuffer b, long destination, long source, int type) {
        MacAddress.writeBits(b, DESTINATION, destination);
        MacAddress.writeBits(b, SOURCE, source);
        Bytes.put16(b, TYPE, type);
    }
}
