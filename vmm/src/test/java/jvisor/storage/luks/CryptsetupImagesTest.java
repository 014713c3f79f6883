package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Volumes made by the real cryptsetup: jvisor unlocks them, finds the volume key cryptsetup
 * dumps, writes sectors that an independent XTS (OpenSSL's AES, the textbook tweak schedule)
 * decrypts, refuses a wrong passphrase without touching the image, and agrees with cryptsetup's
 * own reencryption about every sector's IV.
 */
final class CryptsetupImagesTest {
    /** Bytes no UTF-8 decoder would pass through unchanged, a newline and a NUL among them. */
    static final byte[] PASSPHRASE = {'j', 'v', (byte) 0xFF, (byte) 0xC3, '\n', 0, 's', 'e', 'c', 'r', 'e', 't'};
    static final byte[] SECOND = "another passphrase".getBytes();
    static final byte[] WRONG = "not the passphrase".getBytes();

    /** One way cryptsetup can make a volume, and what jvisor should say about it. */
    record Format(String name, int version, int sectorSize, int keyBits, String kdf, long imageSize, List<String> options) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<String> FAST_PBKDF2 = List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000");

    private static List<String> argon2(String variant) {
        return List.of("--pbkdf", variant, "--pbkdf-force-iterations", "4", "--pbkdf-memory", "8192", "--pbkdf-parallel", "2");
    }

    private static List<String> concat(List<String> a, String... b) {
        return Stream.concat(a.stream(), Stream.of(b)).toList();
    }

    static Stream<Format> formats() {
        long luks1 = 4L << 20;
        long luks2 = 18L << 20;
        return Stream.of(
                new Format("LUKS1 pbkdf2-sha1 256-bit", 1, 512, 256, "pbkdf2-sha1", luks1,
                        concat(FAST_PBKDF2, "--type", "luks1", "--hash", "sha1", "--key-size", "256")),
                new Format("LUKS1 pbkdf2-sha256 512-bit", 1, 512, 512, "pbkdf2-sha256", luks1,
                        concat(FAST_PBKDF2, "--type", "luks1", "--hash", "sha256", "--key-size", "512")),
                new Format("LUKS1 pbkdf2-sha512 512-bit", 1, 512, 512, "pbkdf2-sha512", luks1,
                        concat(FAST_PBKDF2, "--type", "luks1", "--hash", "sha512", "--key-size", "512")),
                new Format("LUKS2 pbkdf2-sha256 512-bit", 2, 512, 512, "pbkdf2-sha256", luks2,
                        concat(FAST_PBKDF2, "--type", "luks2", "--hash", "sha256", "--key-size", "512", "--sector-size", "512")),
                new Format("LUKS2 pbkdf2-sha1 256-bit 4096-byte sectors", 2, 4096, 256, "pbkdf2-sha1", luks2,
                        concat(FAST_PBKDF2, "--type", "luks2", "--hash", "sha1", "--key-size", "256", "--sector-size", "4096")),
                new Format("LUKS2 argon2i 512-bit", 2, 512, 512, "argon2i", luks2,
                        concat(argon2("argon2i"), "--type", "luks2", "--key-size", "512", "--sector-size", "512")),
                new Format("LUKS2 argon2id 512-bit 4096-byte sectors", 2, 4096, 512, "argon2id", luks2,
                        concat(argon2("argon2id"), "--type", "luks2", "--key-size", "512", "--sector-size", "4096")),
                new Format("LUKS2 argon2id 256-bit sha512", 2, 512, 256, "argon2id", luks2,
                        concat(argon2("argon2id"), "--type", "luks2", "--key-size", "256", "--hash", "sha512", "--sector-size", "512")));
    }

    /** One with 512-byte sectors, one with 4096: reencryption takes seconds each. */
    static Stream<Format> luks2Formats() {
        return formats().filter(f -> f.name().equals("LUKS2 pbkdf2-sha256 512-bit") || f.name().equals("LUKS2 argon2id 512-bit 4096-byte sectors"));
    }

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Cryptsetup.assumeInstalled();
    }

    private Path make(Format f) {
        Path image = Images.sparse(dir, "volume.img", f.imageSize());
        Cryptsetup.format(image, PASSPHRASE, f.options().toArray(String[]::new));
        return image;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void unlocks_with_the_volume_key_cryptsetup_dumps(Format f) throws IOException {
        Path image = make(f);
        try (FileChannel ch = FileChannel.open(image)) {
            LuksHeader header = LuksHeaderReader.read(ch, ch.size());
            KeySlotUnlocker.Unlocked u = KeySlotUnlocker.unlock(ch, header, PASSPHRASE, LuksVolume.ANY_KEY_SLOT);
            assertArrayEquals(Cryptsetup.volumeKey(image, PASSPHRASE), u.volumeKey());
            assertEquals(dataOffset(image), header.segment().offset());
        }
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            assertEquals("LUKS" + f.version() + " aes-xts-plain64 " + f.keyBits() + "-bit, " + f.sectorSize()
                    + "-byte sectors, key slot 0 (" + f.kdf() + ")", v.description());
            assertEquals(f.sectorSize(), v.sectorSize());
            assertEquals(f.imageSize() - dataOffset(image), v.size());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void sectors_written_decrypt_independently(Format f) throws IOException {
        Assumptions.openssl();
        Path image = make(f);
        long size;
        int s = f.sectorSize();
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, false)) {
            size = v.size();
            v.write(0, ByteBuffer.wrap(Images.pattern(1, 2 * s)));
            ByteBuffer direct = ByteBuffer.allocateDirect(s).put(Images.pattern(2, s)).flip();
            v.write(size - s, direct);
            v.flush();
        }
        byte[] key = Cryptsetup.volumeKey(image, PASSPHRASE);
        long data = dataOffset(image);
        TextbookXts reference = new TextbookXts(new OpenSslAes());
        byte[] first = Images.pattern(1, 2 * s);
        // dm-crypt numbers IVs in 512-byte units, whatever the sector size.
        for (int i = 0; i < 2; i++) {
            byte[] plain = reference.decrypt(key, (long) i * s / 512, Images.read(image, data + (long) i * s, s));
            assertArrayEquals(java.util.Arrays.copyOfRange(first, i * s, (i + 1) * s), plain, "sector " + i);
        }
        long last = size / s - 1;
        assertArrayEquals(Images.pattern(2, s), reference.decrypt(key, last * s / 512, Images.read(image, data + last * s, s)), "the last sector");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void a_wrong_passphrase_is_refused_and_the_image_is_untouched(Format f) {
        Path image = make(f);
        byte[] before = Images.sha256(image);
        LuksException e = assertThrows(LuksException.class, () -> LuksVolume.open(image, WRONG, false));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
        assertTrue(e.getMessage().startsWith(image.toString()), e.getMessage());
        assertArrayEquals(before, Images.sha256(image));
    }

    @Test
    void a_second_key_slot_added_by_cryptsetup_opens_too() throws IOException {
        for (String type : List.of("luks1", "luks2")) {
            Path image = Images.sparse(dir, type + ".img", 18L << 20);
            Cryptsetup.format(image, PASSPHRASE, concat(FAST_PBKDF2, "--type", type).toArray(String[]::new));
            Path keyFile = dir.resolve("key");
            Files.write(keyFile, PASSPHRASE);
            Cryptsetup.addKey(image, keyFile, SECOND, (type.equals("luks2") ? argon2("argon2id") : FAST_PBKDF2).toArray(String[]::new));
            try (LuksVolume v = LuksVolume.open(image, SECOND, true)) {
                assertTrue(v.description().contains("key slot 1"), v.description());
            }
            try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true, 0)) {
                assertTrue(v.description().contains("key slot 0"), v.description());
            }
            LuksException e = assertThrows(LuksException.class, () -> LuksVolume.open(image, SECOND, true, 0));
            assertTrue(e.getMessage().contains("tried 0)"), e.getMessage());
        }
    }

    /**
     * cryptsetup decrypts what jvisor wrote with its own IVs; if jvisor's differed, the plaintext
     * would not survive. LUKS2 only: cryptsetup reencrypts LUKS1 through device-mapper.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("luks2Formats")
    void cryptsetup_reencryption_keeps_what_jvisor_wrote(Format f) throws IOException {
        Path image = make(f);
        byte[] plain = Images.pattern(3, 64 << 10);
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, false)) {
            v.write(v.size() - plain.length, ByteBuffer.wrap(plain));
            v.write(0, ByteBuffer.wrap(plain));
        }
        byte[] oldKey = Cryptsetup.volumeKey(image, PASSPHRASE);
        Cryptsetup.reencrypt(image, PASSPHRASE, argon2("argon2id").toArray(String[]::new));
        assertTrue(!java.util.Arrays.equals(oldKey, Cryptsetup.volumeKey(image, PASSPHRASE)), "reencryption changed the key");
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            ByteBuffer back = ByteBuffer.allocateDirect(plain.length);
            v.read(0, back);
            assertArrayEquals(plain, bytes(back.flip()));
            byte[] tail = new byte[plain.length];
            v.read(v.size() - plain.length, ByteBuffer.wrap(tail));
            assertArrayEquals(plain, tail);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    /** The data offset as cryptsetup's luksDump prints it: sectors for LUKS1, bytes for LUKS2. */
    static long dataOffset(Path image) {
        String dump = Cryptsetup.dump(image);
        Matcher luks1 = Pattern.compile("Payload offset:\\s*(\\d+)").matcher(dump);
        if (luks1.find()) {
            return Long.parseLong(luks1.group(1)) * 512;
        }
        Matcher luks2 = Pattern.compile("offset: (\\d+) \\[bytes\\]").matcher(dump);
        if (luks2.find()) {
            return Long.parseLong(luks2.group(1));
        }
        throw new AssertionError("no data offset in luksDump's output:\n" + dump);
    }
}
