package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decompressed-kernel cache in a temporary directory: hits, misses, damaged files, atomic writes, the cap. */
class VmlinuxCacheTest {
    @TempDir
    Path dir;

    private final TestBzImage kernel = new TestBzImage();
    private final byte[] image = kernel.build();
    private final KernelPayload payload = new KernelPayload(SetupHeader.parse("k.img", image), image);

    private VmlinuxCache cache() {
        return new VmlinuxCache(dir, VmlinuxCache.DEFAULT_MAX_BYTES);
    }

    /** What a use of the cache gave: the bytes (copied out before the mapping closes) and whether they were cached. */
    private record Use(byte[] bytes, boolean fromCache) { }

    private static Use use(VmlinuxCache cache, byte[] bzImage) {
        KernelPayload p = new KernelPayload(SetupHeader.parse("k.img", bzImage), bzImage);
        try (VmlinuxCache.Vmlinux v = cache.decompress(bzImage, p)) {
            return new Use(v.bytes().toArray(ValueLayout.JAVA_BYTE), v.fromCache());
        }
    }

    /** The entry's bytes if it verifies, else null. */
    private static byte[] read(Path entry, long size) {
        try (VmlinuxCache.Vmlinux v = VmlinuxCache.open(entry, size)) {
            return v == null ? null : v.bytes().toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void imagesOfTheSameLengthThatDifferInOneByteHaveEntriesOfTheirOwn() {
        VmlinuxCache cache = cache();
        for (int at : new int[] {0, image.length / 2, image.length - 1}) {
            byte[] other = image.clone();
            other[at] ^= 1;
            assertFalse(cache.entry(image).equals(cache.entry(other)), "a byte changed at " + at);
        }
        assertEquals(cache.entry(image), cache.entry(image.clone()));
    }

    @Test
    void aMissDecompressesAndStoresAndTheNextUseIsAHit() {
        VmlinuxCache cache = cache();
        Use first = use(cache, image);
        assertFalse(first.fromCache());
        assertArrayEquals(kernel.vmlinux(), first.bytes());
        Path entry = cache.entry(image);
        assertTrue(entry.getFileName().toString().matches(Integer.toHexString(image.length) + "-[0-9a-f]{16}\\.elf"),
                entry.toString());
        Use second = use(cache, image);
        assertTrue(second.fromCache());
        assertArrayEquals(kernel.vmlinux(), second.bytes());
    }

    @Test
    void theFileOfAnImageIsFoundOnlyOnceItIsStored() {
        VmlinuxCache cache = cache();
        assertNull(cache.existing(image));
        use(cache, image);
        assertEquals(cache.entry(image), cache.existing(image));
    }

    @Test
    void aHitReturnsWhatTheFileHoldsWithoutDecompressing() throws IOException {
        VmlinuxCache cache = cache();
        byte[] other = kernel.vmlinux().clone();
        other[0x1000] ^= 0x55; // a different but well-formed entry: only a read of the file can return it
        cache.store(cache.entry(image), other);
        assertArrayEquals(other, use(cache, image).bytes());
    }

    @Test
    void anotherImageIsAnotherEntry() {
        VmlinuxCache cache = cache();
        TestBzImage gzip = new TestBzImage();
        gzip.format = KernelPayload.Format.GZIP;
        byte[] gzipImage = gzip.build();
        use(cache, image);
        Use v = use(cache, gzipImage);
        assertFalse(v.fromCache());
        assertTrue(Files.exists(cache.entry(gzipImage)));
    }

    @Test
    void aTruncatedFileIsIgnoredAndRewritten() throws IOException {
        VmlinuxCache cache = cache();
        use(cache, image);
        Path entry = cache.entry(image);
        long whole = Files.size(entry);
        try (RandomAccessFile f = new RandomAccessFile(entry.toFile(), "rw")) {
            f.setLength(whole / 2); // a disk that filled up, or a copy cut short
        }
        Use v = use(cache, image);
        assertFalse(v.fromCache());
        assertArrayEquals(kernel.vmlinux(), v.bytes());
        assertEquals(whole, Files.size(entry), "rewritten whole");
        assertTrue(use(cache, image).fromCache());
    }

    @Test
    void aDamagedByteOrAForeignFooterIsIgnored() throws IOException {
        VmlinuxCache cache = cache();
        use(cache, image);
        Path entry = cache.entry(image);
        byte[] bytes = Files.readAllBytes(entry);
        bytes[0x1010] ^= 1;
        Files.write(entry, bytes);
        assertFalse(use(cache, image).fromCache(), "the CRC catches a flipped bit");

        bytes = Files.readAllBytes(entry);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(bytes.length - VmlinuxCache.FOOTER_BYTES, 0x1234);
        Files.write(entry, bytes);
        assertNull(read(entry, payload.decompressedSize()), "a wrong magic number");
        assertFalse(use(cache, image).fromCache());
        assertNotNull(read(entry, payload.decompressedSize()));
    }

    @Test
    void aFileOfAnotherLengthThanTheTrailerSaysIsIgnored() {
        VmlinuxCache cache = cache();
        use(cache, image);
        Path entry = cache.entry(image);
        assertNotNull(read(entry, payload.decompressedSize()));
        assertNull(read(entry, payload.decompressedSize() - 1));
        assertNull(read(entry, 0));
    }

    @Test
    void aStoreLeavesNoTemporaryFileBehind() throws IOException {
        use(cache(), image);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void readersNeverSeeHalfAnEntryWhileWritersReplaceIt() throws Exception {
        VmlinuxCache cache = cache();
        Path entry = cache.entry(image);
        byte[] big = new byte[4 << 20]; // large enough that a write takes many system calls
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        cache.store(entry, big);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger torn = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                if (read(entry, big.length) == null) {
                    torn.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        });
        try {
            for (int i = 0; i < 20; i++) {
                cache.store(entry, big);
            }
        } finally {
            done.set(true);
            reader.join();
        }
        assertTrue(reads.get() > 0);
        assertEquals(0, torn.get(), "a reader saw a partly written entry");
    }

    @Test
    void anUnwritableCacheStillBootsTheKernel() throws IOException {
        Path file = dir.resolve("not-a-directory");
        Files.writeString(file, "x");
        VmlinuxCache cache = new VmlinuxCache(file, VmlinuxCache.DEFAULT_MAX_BYTES);
        Use v = use(cache, image);
        assertFalse(v.fromCache());
        assertArrayEquals(kernel.vmlinux(), v.bytes());
    }

    @Test
    void aBrokenKernelIsStillAnErrorAndLeavesNothingCached() throws IOException {
        TestBzImage broken = new TestBzImage();
        broken.trailer = broken.vmlinux().length + 100;
        byte[] brokenImage = broken.build();
        assertThrows(BadInputException.class, () -> use(cache(), brokenImage));
        assertFalse(Files.exists(cache().entry(brokenImage)));
    }

    @Test
    void theCapEvictsTheEntriesUsedLeastRecently() throws IOException {
        long entrySize = kernel.vmlinux().length + VmlinuxCache.FOOTER_BYTES;
        VmlinuxCache cache = new VmlinuxCache(dir, 2 * entrySize);
        byte[][] images = new byte[3][];
        for (int i = 0; i < 3; i++) {
            TestBzImage t = new TestBzImage();
            t.entry = TestBzImage.TEXT + i; // three different kernels of the same size
            images[i] = t.build();
        }
        store(cache, images[0]);
        store(cache, images[1]);
        Files.setLastModifiedTime(cache.entry(images[0]), FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(cache.entry(images[1]), FileTime.from(Instant.now().minusSeconds(30)));
        assertTrue(store(cache, images[0]).fromCache(), "a hit makes kernel 0 the most recently used");
        store(cache, images[2]);
        assertTrue(Files.exists(cache.entry(images[0])));
        assertFalse(Files.exists(cache.entry(images[1])), "kernel 1 was used least recently");
        assertTrue(Files.exists(cache.entry(images[2])));
    }

    @Test
    void staleTemporaryFilesOfADeadRunAreRemoved() throws IOException {
        Path stale = dir.resolve("0123.elf999.tmp");
        Path fresh = dir.resolve("4567.elf999.tmp");
        Files.write(stale, new byte[10]);
        Files.write(fresh, new byte[10]);
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(VmlinuxCache.STALE_TEMPORARY).minusSeconds(1)));
        use(cache(), image);
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(fresh), "perhaps another run is writing it right now");
    }

    private static Use store(VmlinuxCache cache, byte[] bzImage) {
        return use(cache, bzImage);
    }
}
