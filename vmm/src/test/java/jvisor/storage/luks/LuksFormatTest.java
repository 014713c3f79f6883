package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Volumes made by {@link LuksFormat}: jvisor reopens them, and cryptsetup accepts them as its own. */
final class LuksFormatTest {
    static final byte[] PASSPHRASE = "correct horse battery staple".getBytes();
    static final LuksFormat.Options SMALL = LuksFormat.Options.DEFAULT.withKdf(new LuksFormat.Argon2id(8 * 1024, 4, 2));

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}-byte sectors")
    @ValueSource(ints = {512, 4096})
    void jvisor_reopens_what_it_made(int sectorSize) throws IOException {
        Path image = dir.resolve("new.img");
        LuksFormat.create(image, 1 << 20, PASSPHRASE, SMALL.withSectorSize(sectorSize));
        assertEquals(LuksFormat.DATA_OFFSET + (1 << 20), Files.size(image));
        byte[] data = Images.pattern(7, 8192);
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, false)) {
            assertEquals(1 << 20, v.size());
            assertEquals(sectorSize, v.sectorSize());
            assertEquals("LUKS2 aes-xts-plain64 512-bit, " + sectorSize + "-byte sectors, key slot 0 (argon2id)", v.description());
            v.write(8192, ByteBuffer.wrap(data));
        }
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            byte[] back = new byte[8192];
            v.read(8192, ByteBuffer.wrap(back));
            assertArrayEquals(data, back);
        }
    }

    @ParameterizedTest(name = "{0}-byte sectors")
    @ValueSource(ints = {512, 4096})
    void cryptsetup_accepts_it_and_finds_the_same_data(int sectorSize) throws IOException {
        Cryptsetup.assumeInstalled();
        Path image = dir.resolve("new.img");
        LuksFormat.create(image, 1 << 20, PASSPHRASE, SMALL.withSectorSize(sectorSize));
        String dump = Cryptsetup.dump(image);
        assertTrue(dump.contains("Version:       \t2"), dump);
        assertTrue(dump.contains("sector: " + sectorSize + " [bytes]"), dump);
        assertTrue(dump.contains("PBKDF:      argon2id"), dump);
        assertTrue(Cryptsetup.accepts(image, PASSPHRASE), "cryptsetup open --test-passphrase");
        assertFalse(Cryptsetup.accepts(image, "wrong".getBytes()), "cryptsetup refuses a wrong passphrase");
        byte[] data = Images.pattern(8, 16384);
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, false)) {
            v.write(0, ByteBuffer.wrap(data));
        }
        // cryptsetup decrypts and reencrypts every sector; the plaintext must come back unchanged.
        Cryptsetup.reencrypt(image, PASSPHRASE, "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000");
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            byte[] back = new byte[data.length];
            v.read(0, ByteBuffer.wrap(back));
            assertArrayEquals(data, back);
        }
    }

    @Test
    void pbkdf2_slots_work_both_ways() {
        Cryptsetup.assumeInstalled();
        Path image = dir.resolve("pbkdf2.img");
        LuksFormat.create(image, 1 << 20, PASSPHRASE, LuksFormat.Options.DEFAULT.withKdf(new LuksFormat.Pbkdf2Sha256(1000)));
        assertTrue(Cryptsetup.accepts(image, PASSPHRASE));
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            assertTrue(v.description().endsWith("(pbkdf2-sha256)"), v.description());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What ./jvisor disk create --luks makes: Argon2id over 128 MiB. */
    @Test
    void the_default_volume_is_sparse_and_cryptsetup_opens_it() throws IOException {
        Path image = dir.resolve("default.img");
        LuksFormat.create(image, 64L << 20, PASSPHRASE);
        if (HostTools.installed("stat")) {
            long blocks = Long.parseLong(HostTools.runOk(List.of("stat", "--format=%b", image.toString()), new byte[0], 10).text().strip());
            assertTrue(blocks * 512 < (1 << 20), "allocated " + blocks * 512 + " bytes");
        }
        if (HostTools.installed("cryptsetup")) {
            assertTrue(Cryptsetup.dump(image).contains("Memory:     131072"));
            assertTrue(Cryptsetup.accepts(image, PASSPHRASE));
        }
        try (LuksVolume v = LuksVolume.open(image, PASSPHRASE, true)) {
            assertEquals(64L << 20, v.size());
        }
    }

    @Test
    void refuses_to_overwrite_and_bad_sizes() throws IOException {
        Path image = dir.resolve("exists.img");
        Files.write(image, new byte[] {1});
        LuksException e = assertThrows(LuksException.class, () -> LuksFormat.create(image, 1 << 20, PASSPHRASE, SMALL));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(image));
        assertThrows(LuksException.class, () -> LuksFormat.create(dir.resolve("odd.img"), 1000, PASSPHRASE, SMALL));
        assertThrows(LuksException.class, () -> LuksFormat.create(dir.resolve("empty.img"), 4096, new byte[0], SMALL));
        assertThrows(LuksException.class, () -> SMALL.withSectorSize(1024));
        assertFalse(Files.exists(dir.resolve("odd.img")));
    }
}
