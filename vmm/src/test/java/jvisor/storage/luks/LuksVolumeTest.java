package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data path of {@link LuksVolume}: buffers of every kind, ranges, modes, and many threads. */
final class LuksVolumeTest {
    static final byte[] PASSPHRASE = "volume test".getBytes();
    static final LuksFormat.Options FAST = LuksFormat.Options.DEFAULT.withKdf(new LuksFormat.Pbkdf2Sha256(1000));
    static final long SIZE = 4 << 20;

    @TempDir
    Path dir;

    private Path image(int sectorSize) {
        Path p = dir.resolve("v" + sectorSize + ".img");
        LuksFormat.create(p, SIZE, PASSPHRASE, FAST.withSectorSize(sectorSize));
        return p;
    }

    private static byte[] read(LuksVolume v, long offset, int length) throws IOException {
        byte[] b = new byte[length];
        v.read(offset, ByteBuffer.wrap(b));
        return b;
    }

    @Test
    void heap_direct_and_sliced_buffers_all_round_trip() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(512), PASSPHRASE, false)) {
            byte[] a = Images.pattern(1, 4096);
            v.write(0, ByteBuffer.wrap(a));
            ByteBuffer direct = ByteBuffer.allocateDirect(4096).put(Images.pattern(2, 4096)).flip();
            v.write(8192, direct);
            byte[] big = new byte[10_000];
            System.arraycopy(Images.pattern(3, 4096), 0, big, 1000, 4096);
            v.write(16384, ByteBuffer.wrap(big, 1000, 4096).slice());

            assertArrayEquals(a, read(v, 0, 4096));
            ByteBuffer back = ByteBuffer.allocateDirect(4096);
            v.read(8192, back);
            byte[] b = new byte[4096];
            back.flip().get(b);
            assertArrayEquals(Images.pattern(2, 4096), b);
            byte[] into = new byte[10_000];
            v.read(16384, ByteBuffer.wrap(into, 3000, 4096).slice());
            assertArrayEquals(Images.pattern(3, 4096), Arrays.copyOfRange(into, 3000, 7096));
            assertEquals(0, into[2999]);
            assertEquals(0, into[7096]);
        }
    }

    @Test
    void positions_advance_and_the_source_is_left_alone() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(4096), PASSPHRASE, false)) {
            byte[] plain = Images.pattern(4, 8192);
            ByteBuffer heap = ByteBuffer.wrap(plain.clone());
            v.write(4096, heap);
            assertEquals(8192, heap.position());
            assertArrayEquals(plain, heap.array());
            ByteBuffer direct = ByteBuffer.allocateDirect(8192).put(plain).flip();
            v.write(65536, direct);
            assertEquals(8192, direct.position());
            byte[] after = new byte[8192];
            direct.get(0, after);
            assertArrayEquals(plain, after);
            ByteBuffer dst = ByteBuffer.allocate(8192);
            v.read(65536, dst);
            assertFalse(dst.hasRemaining());
            assertArrayEquals(plain, dst.array());
        }
    }

    @Test
    void requests_larger_than_the_internal_chunks() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(512), PASSPHRASE, false)) {
            byte[] plain = Images.pattern(5, (int) SIZE - 512);
            v.write(512, ByteBuffer.wrap(plain));
            assertArrayEquals(plain, read(v, 512, plain.length));
            // Pieces of it, read separately, decrypt the same: the sector numbering is absolute.
            assertArrayEquals(Arrays.copyOfRange(plain, 300 * 512, 301 * 512), read(v, 301 * 512, 512));
        }
    }

    /** What the block device will pass: slices of guest RAM, a native memory segment. */
    @Test
    void guest_memory_segments() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(4096), PASSPHRASE, false); Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(1 << 20, 4096);
            ByteBuffer page = ram.asSlice(8192, 16384).asByteBuffer();
            page.put(Images.pattern(6, 16384)).flip();
            v.write(40960, page);
            MemorySegment other = arena.allocate(16384, 4096);
            v.read(40960, other.asByteBuffer());
            assertArrayEquals(Images.pattern(6, 16384), other.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void the_image_holds_only_ciphertext() throws IOException {
        Path p = image(512);
        byte[] plain = new byte[4096];
        Arrays.fill(plain, (byte) 'A');
        try (LuksVolume v = LuksVolume.open(p, PASSPHRASE, false)) {
            v.write(0, ByteBuffer.wrap(plain));
            v.write(4096, ByteBuffer.wrap(plain));
            v.flush();
        }
        byte[] raw = Images.read(p, LuksFormat.DATA_OFFSET, 8192);
        int same = 0;
        for (byte b : raw) {
            same += b == 'A' ? 1 : 0;
        }
        assertTrue(same < 100, same + " plaintext bytes in 8192 on disk");
        assertFalse(Arrays.equals(Arrays.copyOf(raw, 512), Arrays.copyOfRange(raw, 512, 1024)), "equal sectors encrypt differently");
    }

    @Test
    void requests_that_are_not_whole_sectors_inside_the_volume_are_refused() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(4096), PASSPHRASE, false)) {
            assertThrows(IllegalArgumentException.class, () -> v.read(512, ByteBuffer.allocate(4096)));
            assertThrows(IllegalArgumentException.class, () -> v.read(0, ByteBuffer.allocate(512)));
            assertThrows(IllegalArgumentException.class, () -> v.write(SIZE, ByteBuffer.allocate(4096)));
            assertThrows(IllegalArgumentException.class, () -> v.write(SIZE - 4096, ByteBuffer.allocate(8192)));
            assertThrows(IllegalArgumentException.class, () -> v.read(-4096, ByteBuffer.allocate(4096)));
            assertThrows(IllegalArgumentException.class, () -> v.read(Long.MAX_VALUE - 4095, ByteBuffer.allocate(4096)));
            v.read(SIZE - 4096, ByteBuffer.allocate(4096));
            v.read(0, ByteBuffer.allocate(0));
        }
    }

    @Test
    void a_read_only_volume_refuses_writes() throws IOException {
        try (LuksVolume v = LuksVolume.open(image(512), PASSPHRASE, true)) {
            assertTrue(v.readOnly());
            IOException e = assertThrows(IOException.class, () -> v.write(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
    }

    @Test
    void an_image_is_open_once_at_a_time() throws IOException {
        Path p = image(512);
        try (LuksVolume v = LuksVolume.open(p, PASSPHRASE, false)) {
            LuksException e = assertThrows(LuksException.class, () -> LuksVolume.open(p, PASSPHRASE, true));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
        LuksVolume.open(p, PASSPHRASE, false).close();
    }

    @Test
    void a_closed_volume_refuses_io_and_closes_once() throws IOException {
        LuksVolume v = LuksVolume.open(image(512), PASSPHRASE, false);
        v.close();
        assertThrows(IOException.class, () -> v.read(0, ByteBuffer.allocate(512)));
        assertThrows(IOException.class, () -> v.write(0, ByteBuffer.allocate(512)));
        assertThrows(IOException.class, v::flush);
        v.close();
    }

    @Test
    void many_threads_at_once() throws Exception {
        int threads = 8;
        int region = (int) (SIZE / threads);
        try (LuksVolume v = LuksVolume.open(image(4096), PASSPHRASE, false)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<byte[]>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(id);
                    byte[] mine = new byte[region];
                    // Sectors never written decrypt to noise, so each thread starts by filling its region.
                    r.nextBytes(mine);
                    v.write((long) id * region, ByteBuffer.wrap(mine));
                    for (int op = 0; op < 300; op++) {
                        int sectors = 1 + r.nextInt(8);
                        int at = r.nextInt(region / 4096 - sectors + 1) * 4096;
                        if (r.nextBoolean()) {
                            byte[] data = new byte[sectors * 4096];
                            r.nextBytes(data);
                            ByteBuffer src = r.nextBoolean() ? ByteBuffer.wrap(data) : ByteBuffer.allocateDirect(data.length).put(data).flip();
                            v.write((long) id * region + at, src);
                            System.arraycopy(data, 0, mine, at, data.length);
                        } else {
                            assertArrayEquals(Arrays.copyOfRange(mine, at, at + sectors * 4096), read(v, (long) id * region + at, sectors * 4096));
                        }
                    }
                    return mine;
                }));
            }
            pool.shutdown();
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(done.get(t).get(), read(v, (long) t * region, region), "thread " + t + "'s region");
            }
        }
    }

    /** LUKS1 without cryptsetup: a volume from the test writer opens, and its data round-trips. */
    @Test
    void luks1_volumes() throws IOException {
        Path p = Luks1Writer.create(dir.resolve("luks1.img"), 1 << 20, PASSPHRASE, "sha1", 32, 1000);
        try (LuksVolume v = LuksVolume.open(p, PASSPHRASE, false)) {
            assertEquals("LUKS1 aes-xts-plain64 256-bit, 512-byte sectors, key slot 0 (pbkdf2-sha1)", v.description());
            assertEquals(1 << 20, v.size());
            v.write(1024, ByteBuffer.wrap(Images.pattern(9, 2048)));
            assertArrayEquals(Images.pattern(9, 2048), read(v, 1024, 2048));
        }
    }

    /** dm-crypt's plain64 counts 512-byte units even in 4096-byte sectors (CryptsetupImagesTest proves it on real volumes). */
    @Test
    void ivs_count_512_byte_units() {
        DataSegment big = new DataSegment(1 << 24, 1 << 20, 4096, 0);
        assertEquals(16, big.ivAt(8192));
        assertEquals(8, big.ivStep());
        DataSegment tweaked = new DataSegment(1 << 24, 1 << 20, 512, 100);
        assertEquals(102, tweaked.ivAt(1024));
    }
}
