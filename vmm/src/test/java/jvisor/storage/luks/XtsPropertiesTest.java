package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@link XtsCipher}'s batched, chunked form against the textbook one, and its round trip. */
final class XtsPropertiesTest {
    private static final TextbookXts TEXTBOOK = new TextbookXts(new JdkAes());

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Property(tries = 60)
    void many_sectors_at_once_equal_the_textbook_sector_by_sector(
            @ForAll long seed, @ForAll boolean wideKey, @ForAll boolean bigSectors,
            @ForAll @IntRange(min = 1, max = 40) int sectors, @ForAll long firstSector) {
        Random r = new Random(seed);
        byte[] key = random(r, wideKey ? 64 : 32);
        int sectorSize = bigSectors ? 4096 : 512;
        byte[] plain = random(r, sectors * sectorSize);
        byte[] cipher = new byte[plain.length];
        int step = sectorSize / 512;
        new XtsCipher(key).encrypt(firstSector, step, sectorSize, plain, 0, cipher, 0, plain.length);
        for (int s = 0; s < sectors; s++) {
            byte[] one = Arrays.copyOfRange(plain, s * sectorSize, (s + 1) * sectorSize);
            assertArrayEquals(TEXTBOOK.encrypt(key, firstSector + (long) s * step, one),
                    Arrays.copyOfRange(cipher, s * sectorSize, (s + 1) * sectorSize), "sector " + s);
        }
    }

    @Property(tries = 60)
    void decrypt_undoes_encrypt_at_any_offset_and_in_place(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 70) int sectors,
            @ForAll @IntRange(min = 0, max = 100) int offset, @ForAll @LongRange(min = 0) long firstSector) {
        Random r = new Random(seed);
        XtsCipher xts = new XtsCipher(random(r, 64));
        byte[] plain = random(r, offset + sectors * 512);
        byte[] work = plain.clone();
        xts.encrypt(firstSector, 1, 512, work, offset, work, offset, sectors * 512);
        xts.decrypt(firstSector, 1, 512, work, offset, work, offset, sectors * 512);
        assertArrayEquals(plain, work);
    }

    @Test
    void refuses_partial_sectors_and_odd_sector_sizes() {
        XtsCipher xts = new XtsCipher(new byte[64]);
        byte[] b = new byte[4096];
        assertThrows(IllegalArgumentException.class, () -> xts.encrypt(0, 1, 512, b, 0, b, 0, 500));
        assertThrows(IllegalArgumentException.class, () -> xts.encrypt(0, 1, 24, b, 0, b, 0, 48));
        assertThrows(IllegalArgumentException.class, () -> new XtsCipher(new byte[48]));
    }

    @Test
    void a_destroyed_cipher_refuses_work() {
        XtsCipher xts = new XtsCipher(new byte[64]);
        xts.destroy();
        byte[] b = new byte[512];
        assertThrows(IllegalStateException.class, () -> xts.decrypt(0, 1, 512, b, 0, b, 0, 512));
    }
}
