package jvisor.net.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;

/**
 * The header a TAP device with IFF_VNET_HDR puts before each frame: virtio 1.x's
 * {@code struct virtio_net_hdr} without num_buffers, little-endian as the kernel uses it on x86.
 */
final class VirtioNetHeader {
    private VirtioNetHeader() { }

    static final int SIZE = 10;
    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;
    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Writes the header for a frame the guest sent. */
    static void write(MemorySegment m, TxOffload o) {
        m.set(ValueLayout.JAVA_BYTE, FLAGS, (byte) (o.checksumPending() ? F_NEEDS_CSUM : 0));
        m.set(ValueLayout.JAVA_BYTE, GSO_TYPE, (byte) switch (o.segmentation()) {
            case NONE -> GSO_NONE;
            case TCP4 -> GSO_TCPV4;
            case TCP6 -> GSO_TCPV6;
            case UDP -> GSO_UDP;
        });
        m.set(LE16, HDR_LEN, (short) o.headerLength());
        m.set(LE16, GSO_SIZE, (short) o.segmentSize());
        m.set(LE16, CSUM_START, (short) (o.checksumPending() ? o.checksumStart() : 0));
        m.set(LE16, CSUM_OFFSET, (short) (o.checksumPending() ? o.checksumOffset() : 0));
    }

    /**
     * The offload for a frame the kernel sent, or null if the guest cannot be given it (a large
     * segment other than TCP/IPv4, which the offloads asked for never produce). {@code last} is
     * returned when it says the same, so a stream of alike frames allocates nothing.
     */
    static RxOffload read(MemorySegment m, RxOffload last) {
        int flags = m.get(ValueLayout.JAVA_BYTE, FLAGS) & 0xFF;
        int gso = m.get(ValueLayout.JAVA_BYTE, GSO_TYPE) & 0x7F;       // the ECN bit says nothing we need
        int hdrLen = m.get(LE16, HDR_LEN) & 0xFFFF;
        int gsoSize = m.get(LE16, GSO_SIZE) & 0xFFFF;
        int start = m.get(LE16, CSUM_START) & 0xFFFF;
        int offset = m.get(LE16, CSUM_OFFSET) & 0xFFFF;
        boolean partial = (flags & F_NEEDS_CSUM) != 0;
        boolean valid = (flags & F_DATA_VALID) != 0;
        if (gso != GSO_NONE && (gso != GSO_TCPV4 || !partial || gsoSize == 0)) {
            return null;
        }
        int segment = gso == GSO_TCPV4 ? gsoSize : 0;
        int header = gso == GSO_TCPV4 ? hdrLen : 0;
        if (!partial) {
            start = 0;
            offset = 0;
        }
        if (last != null && last.dataValid() == valid && last.checksumPartial() == partial && last.checksumStart() == start
                && last.checksumOffset() == offset && last.segmentSize() == segment && last.headerLength() == header) {
            return last;
        }
        return new RxOffload(valid, partial, start, offset, segment, header);
    }
}
