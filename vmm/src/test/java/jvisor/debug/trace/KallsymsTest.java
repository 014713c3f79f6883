package jvisor.debug.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kallsyms tables laid out as scripts/kallsyms.c lays them out on x86-64 (each table 8-aligned),
 * with an even and an odd number of symbols: an odd count leaves four bytes of padding between
 * kallsyms_offsets and kallsyms_relative_base, which once paired every name with the next
 * symbol's address (Debian's 6.1.0-50 kernel has an odd count).
 */
class KallsymsTest {
    private static final long BASE = 0xFFFF_FFFF_8100_0000L;

    @Test
    void anEvenCountPairsEachNameWithItsAddress() {
        check(1000);
    }

    @Test
    void anOddCountPairsEachNameWithItsAddress() {
        check(1001);
    }

    private static void check(int count) {
        Map<Long, String> found = new HashMap<>();
        int n = Kallsyms.read(image(count), found::put);
        assertEquals(count, n);
        for (int k = 0; k < count; k++) {
            assertEquals(name(k), found.get(BASE + 0x10L * k), "the symbol at offset " + Integer.toHexString(0x10 * k));
        }
    }

    private static String name(int k) {
        return String.format("f%04d", k);
    }

    /** Offsets, base, count, names, markers, token table and token index, each 8-aligned, after some unrelated bytes. */
    private static byte[] image(int count) {
        ByteBuffer bb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        bb.position(64);
        for (int k = 0; k < count; k++) {
            bb.putInt(0x10 * k);
        }
        align(bb);
        bb.putLong(BASE);
        bb.putInt(count);
        align(bb);
        int names = bb.position();
        int[] markers = new int[(count + 255) / 256];
        for (int k = 0; k < count; k++) {
            if (k % 256 == 0) {
                markers[k / 256] = bb.position() - names;
            }
            String typed = "T" + name(k);
            bb.put((byte) typed.length());
            for (char ch : typed.toCharArray()) {
                bb.put((byte) ch); // token ch is the character ch
            }
        }
        align(bb);
        for (int marker : markers) {
            bb.putInt(marker);
        }
        align(bb);
        String[] tokens = new String[256];
        tokens[0] = "@@";
        for (int t = 1; t < 256; t++) {
            tokens[t] = String.valueOf((char) t);
        }
        int[] index = new int[256];
        int offset = 0;
        for (int t = 0; t < 256; t++) {
            index[t] = offset;
            for (char ch : tokens[t].toCharArray()) {
                bb.put((byte) ch);
            }
            bb.put((byte) 0);
            offset += tokens[t].length() + 1;
        }
        align(bb);
        for (int t = 0; t < 256; t++) {
            bb.putShort((short) index[t]);
        }
        byte[] image = new byte[bb.position() + 64];
        System.arraycopy(bb.array(), 0, image, 0, bb.position());
        return image;
    }

    private static void align(ByteBuffer bb) {
        while (bb.position() % 8 != 0) {
            bb.put((byte) 0);
        }
    }
}
