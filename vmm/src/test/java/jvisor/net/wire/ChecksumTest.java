package jvisor.net.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Internet checksum against RFC 1071's example and a plain 16-bit reference, in both byte orders. */
class ChecksumTest {
    /** RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
    @Test
    void rfc1071Example() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7});
        assertEquals(0xddf2, Checksum.fold(Checksum.sum(b, 0, 8)));
        assertEquals(0x220d, Checksum.finish(Checksum.sum(b, 0, 8)));
    }

    @Test
    void anyLengthOffsetAndByteOrderMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            byte[] data = new byte[r.nextInt(1, 3000)];
            r.nextBytes(data);
            int off = r.nextInt(data.length);
            int len = r.nextInt(data.length - off + 1);
            int expected = reference(data, off, len);
            assertEquals(expected, Checksum.fold(Checksum.sum(ByteBuffer.wrap(data), off, len)));
            ByteBuffer little = ByteBuffer.allocateDirect(data.length).order(ByteOrder.LITTLE_ENDIAN);
            little.put(0, data);
            assertEquals(expected, Checksum.fold(Checksum.sum(little, off, len)), "byte order must not matter");
        }
    }

    @Test
    void aFilledInChecksumVerifies() {
        byte[] header = {0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 0x40, 1, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2};
        ByteBuffer b = ByteBuffer.wrap(header);
        Bytes.put16(b, 10, Checksum.finish(Checksum.sum(b, 0, 20)));
        assertTrue(Checksum.verifies(Checksum.sum(b, 0, 20)));
    }

    private static int reference(byte[] d, int off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = d[off + i] & 0xFF;
            int lo = i + 1 < len ? d[off + i + 1] & 0xFF : 0;
            s += hi << 8 | lo;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }
}
