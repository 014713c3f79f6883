package jvisor.guest.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Decompressed kernels kept between runs, so that a second boot of the same bzImage skips the
 * payload's decompression (1.5-5 s of host time for Debian's xz kernel). One file per bzImage,
 * {@code <length>-<CRC32C><CRC32 of the bzImage>.elf} ({@link #entry}), under
 * {@code $XDG_CACHE_HOME/jvisor/vmlinux} (or
 * {@code ~/.cache/jvisor/vmlinux}): the vmlinux bytes, then a footer with a magic number, their
 * length and their CRC32C, checked on every use. A file that does not check (truncated, damaged,
 * from another format) is ignored and rewritten.
 *
 * <p>Files are written under a temporary name and renamed into place, so a reader never sees
 * half a file and two runs that race both leave a whole one. The directory is kept under a size
 * cap by deleting the files used least recently (a hit refreshes a file's modification time). A
 * hit is mapped rather than read, so it costs no 64 MiB heap array and no copy through the heap;
 * that is safe because a file, once renamed into place, is never written again, only replaced.
 * The cache only saves time: when it cannot be read or written, the kernel is decompressed as if
 * it were not there.
 */
public final class VmlinuxCache {
    /** What the cache may hold in all: a dozen of Debian's 64 MiB kernels. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** Magic (8 bytes), length (8), CRC32C (8), little-endian. */
    static final int FOOTER_BYTES = 24;
    /** "jvVMLNX1" read as a little-endian long. */
    static final long MAGIC = 0x31584E4C4D56766AL;
    /** Temporary files older than this were left by a run that died while writing. */
    static final Duration STALE_TEMPORARY = Duration.ofHours(1);
    private static final String SUFFIX = ".elf";
    private static final String TEMPORARY_SUFFIX = ".tmp";
    private static final System.Logger LOG = System.getLogger("jvisor.linux");

    /**
     * A decompressed kernel: the bytes of a heap array, or of a cache file mapped into memory until
     * {@link #close()}.
     */
    public static final class Vmlinux implements AutoCloseable {
        private final MemorySegment bytes;
        private final Arena mapping;

        private Vmlinux(MemorySegment bytes, Arena mapping) {
            this.bytes = bytes;
            this.mapping = mapping;
        }

        /** Decompressed now, not from the cache. */
        public static Vmlinux of(byte[] bytes) {
            return new Vmlinux(MemorySegment.ofArray(bytes), null);
        }

        public MemorySegment bytes() {
            return bytes;
        }

        public boolean fromCache() {
            return mapping != null;
        }

        /** Unmaps a cached kernel; its bytes may not be used after. */
        @Override
        public void close() {
            if (mapping != null) {
                mapping.close();
            }
        }
    }

    private final Path dir;
    private final long maxBytes;

    public VmlinuxCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** The user's cache: $XDG_CACHE_HOME/jvisor/vmlinux, else ~/.cache/jvisor/vmlinux. */
    public static VmlinuxCache forUser() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new VmlinuxCache(base.resolve("jvisor").resolve("vmlinux"), DEFAULT_MAX_BYTES);
    }

    /**
     * The vmlinux of {@code bzImage}, whose payload is {@code payload}: mapped from the cache, or
     * decompressed and stored for next time. The caller closes it.
     */
    public Vmlinux decompress(byte[] bzImage, KernelPayload payload) {
        Path file = entry(bzImage);
        Vmlinux cached = open(file, payload.decompressedSize());
        if (cached != null) {
            touch(file);
            return cached;
        }
        byte[] vmlinux = payload.decompress();
        store(file, vmlinux);
        return Vmlinux.of(vmlinux);
    }

    /**
     * Where the entry for {@code bzImage} lives: named by its length and two checksums of different
     * polynomials, CRC32C and CRC32 (64 bits: two kernels collide by chance once in 2^64). Both run
     * as HotSpot intrinsics even before anything is compiled: about 5 ms for Debian's 8 MiB kernel,
     * where SHA-256, the earlier key, took 30-70 ms of every boot's start (100-140 ms without the
     * AOT cache).
     */
    Path entry(byte[] bzImage) {
        CRC32C castagnoli = new CRC32C();
        castagnoli.update(bzImage);
        CRC32 ieee = new CRC32();
        ieee.update(bzImage);
        String name = String.format("%x-%08x%08x", bzImage.length, castagnoli.getValue(), ieee.getValue());
        return dir.resolve(name + SUFFIX);
    }

    /**
     * The cache's file for {@code bzImage} if there is one (the vmlinux ELF, followed by the
     * cache's footer, which ELF loaders ignore), else null: for running the same decompressed
     * kernel elsewhere, e.g. under QEMU at its PVH entry.
     */
    public Path existing(byte[] bzImage) {
        Path file = entry(bzImage);
        return Files.isRegularFile(file) ? file : null;
    }

    /** The file's vmlinux, mapped, if it is whole and {@code expectedSize} bytes long; else null. */
    static Vmlinux open(Path file, long expectedSize) {
        if (expectedSize <= 0 || expectedSize > KernelPayload.MAX_DECOMPRESSED) {
            return null;
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == expectedSize + FOOTER_BYTES) {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                MemorySegment bytes = mapped.asSlice(0, expectedSize);
                ValueLayout.OfLong word = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                if (mapped.get(word, expectedSize) == MAGIC && mapped.get(word, expectedSize + 8) == expectedSize
                        && mapped.get(word, expectedSize + 16) == crc(bytes.asByteBuffer())) {
                    return new Vmlinux(bytes, arena);
                }
            }
        } catch (NoSuchFileException e) {
            // a miss
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "vmlinux cache: cannot read " + file + ": " + e);
        }
        arena.close();
        return null;
    }

    /** Writes {@code vmlinux} to {@code file} through a temporary file and a rename, then trims the cache. */
    void store(Path file, byte[] vmlinux) {
        Path temporary = null;
        try {
            Files.createDirectories(dir);
            temporary = Files.createTempFile(dir, file.getFileName().toString(), TEMPORARY_SUFFIX);
            ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(MAGIC).putLong(vmlinux.length).putLong(crc(ByteBuffer.wrap(vmlinux))).flip();
            try (FileChannel ch = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                writeFully(ch, ByteBuffer.wrap(vmlinux));
                writeFully(ch, footer);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temporary = null;
            trim(file);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.WARNING, "vmlinux cache: cannot store " + file + " (" + e
                    + "); the kernel will be decompressed again next time");
        } finally {
            if (temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    /** Deletes the least recently used entries (never {@code keep}) until the cache fits its cap. */
    void trim(Path keep) throws IOException {
        record Entry(Path path, long size, FileTime used) { }
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        Instant staleBefore = Instant.now().minus(STALE_TEMPORARY);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                FileTime used = Files.getLastModifiedTime(p);
                if (name.endsWith(TEMPORARY_SUFFIX) && used.toInstant().isBefore(staleBefore)) {
                    deleteQuietly(p);
                } else if (name.endsWith(SUFFIX)) {
                    long size = Files.size(p);
                    entries.add(new Entry(p, size, used));
                    total += size;
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::used));
        for (Entry e : entries) {
            if (total <= maxBytes) {
                break;
            }
            if (!e.path().equals(keep)) {
                deleteQuietly(e.path());
                total -= e.size();
            }
        }
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // A read-only cache still serves hits; it only forgets the order of use.
        }
    }

    private static long crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    private static void writeFully(FileChannel ch, ByteBuffer from) throws IOException {
        while (from.hasRemaining()) {
            ch.write(from);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "vmlinux cache: cannot delete " + p + ": " + e);
        }
    }
}
