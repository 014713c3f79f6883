package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_net_hdr_v1} (virtio 1.2, 5.1.6): the 12 bytes before every frame in both
 * directions, little-endian. A modern device always has {@code num_buffers}, with or without
 * mergeable receive buffers.
 */
final class NetHeader {
    private NetHeader() { }

    static final int SIZE = 12;
    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;
    static final int NUM_BUFFERS = 10;

    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_ECN = 0x80;

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int u8(MemorySegment h, int field) {
        return h.get(ValueLayout.JAVA_BYTE, field) & 0xFF;
    }

    static int u16(MemorySegment h, int field) {
        return h.get(LE16, field) & 0xFFFF;
    }

    static void put8(MemorySegment h, int field, int value) {
        h.set(ValueLayout.JAVA_BYTE, field, (byte) value);
    }

    static void put16(MemorySegment h, int field, int value) {
        h.set(LE16, field, (short) value);
    }
}
