package jvisor.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import jvisor.boot.BadInputException;
import jvisor.storage.luks.LuksFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LUKS disk as a device sees it: plaintext in guest memory, ciphertext in the image, for
 * requests in whole sectors and for ones that start or end inside a sector.
 */
class LuksImageTest {
    /** A cheap key slot: these tests are about the data path, not the KDF. */
    static final LuksFormat.Options FAST = LuksFormat.Options.DEFAULT.withKdf(new LuksFormat.Pbkdf2Sha256(1000));
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private LuksImage create(int sectorSize) throws IOException {
        Path image = dir.resolve("v" + sectorSize + ".img");
        LuksFormat.create(image, SIZE, "pass".getBytes(), FAST.withSectorSize(sectorSize));
        return LuksImage.open(image, Files.writeString(dir.resolve("key"), "pass"), false);
    }

    private static MemorySegment bytes(Arena arena, byte[] b) {
        return arena.allocate(b.length).copyFrom(MemorySegment.ofArray(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void writesAtAnyAlignmentReadBackAsAPlainFileWould(int sectorSize) throws IOException {
        byte[] model = new byte[SIZE];
        Random random = new Random(sectorSize);
        try (LuksImage disk = create(sectorSize); Arena arena = Arena.ofConfined()) {
            assertEquals(SIZE, disk.size());
            assertEquals(sectorSize, disk.blockSize());
            // A fresh volume's sectors decrypt to noise, as under cryptsetup: start from zeros.
            disk.writeZeroes(0, SIZE, false);
            for (int i = 0; i < 300; i++) {
                int len = 1 + random.nextInt(i % 3 == 0 ? 20_000 : 700);
                int at = random.nextInt(SIZE - len);
                byte[] data = new byte[len];
                random.nextBytes(data);
                disk.write(at, bytes(arena, data));
                System.arraycopy(data, 0, model, at, len);
            }
            for (int i = 0; i < 100; i++) {
                int len = 1 + random.nextInt(9000);
                int at = random.nextInt(SIZE - len);
                MemorySegment got = arena.allocate(len);
                disk.read(at, got);
                assertArrayEquals(Arrays.copyOfRange(model, at, at + len), got.toArray(ValueLayout.JAVA_BYTE), "at " + at + " len " + len);
            }
            MemorySegment all = arena.allocate(SIZE);
            disk.read(0, all);
            assertArrayEquals(model, all.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void theImageHoldsOnlyCiphertext() throws IOException {
        byte[] plain = new byte[64 << 10];
        Arrays.fill(plain, (byte) 'A');
        Path image;
        try (LuksImage disk = create(512); Arena arena = Arena.ofConfined()) {
            disk.write(0, bytes(arena, plain));
            disk.flush();
            image = dir.resolve("v512.img");
        }
        byte[] file = Files.readAllBytes(image);
        byte[] run = new byte[32];
        Arrays.fill(run, (byte) 'A');
        assertEquals(-1, indexOf(file, run), "no run of plaintext in the image");
    }

    @Test
    void writeZeroesWritesEncryptedZeros() throws IOException {
        try (LuksImage disk = create(512); Arena arena = Arena.ofConfined()) {
            byte[] ones = new byte[8192];
            Arrays.fill(ones, (byte) 1);
            disk.write(4096, bytes(arena, ones));
            disk.writeZeroes(4096, 8192, true);
            MemorySegment got = arena.allocate(8192);
            disk.read(4096, got);
            assertArrayEquals(new byte[8192], got.toArray(ValueLayout.JAVA_BYTE));
            assertFalse(disk.canDiscard());
        }
        byte[] file = Files.readAllBytes(dir.resolve("v512.img"));
        assertTrue(indexOf(file, new byte[4096]) < 16 << 20, "the zeros are not in the data area in the clear");
    }

    @Test
    void aReadOnlyVolumeRefusesWrites() throws IOException {
        Path image = dir.resolve("ro.img");
        LuksFormat.create(image, SIZE, "pass".getBytes(), FAST);
        byte[] before = Files.readAllBytes(image);
        try (LuksImage disk = LuksImage.open(image, Files.writeString(dir.resolve("k"), "pass"), true);
             Arena arena = Arena.ofConfined()) {
            assertTrue(disk.readOnly());
            assertThrows(StorageException.class, () -> disk.write(0, arena.allocate(512)));
        }
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    @Test
    void theKeyFileIsTakenWhole() throws IOException {
        Path image = dir.resolve("nl.img");
        LuksFormat.create(image, SIZE, "pass\n".getBytes(), FAST);
        Path withNewline = Files.writeString(dir.resolve("k1"), "pass\n");
        Path without = Files.writeString(dir.resolve("k2"), "pass");
        LuksImage.open(image, withNewline, true).close();
        BadInputException e = assertThrows(BadInputException.class, () -> LuksImage.open(image, without, true));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
