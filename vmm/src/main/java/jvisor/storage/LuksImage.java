package jvisor.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.boot.BadInputException;
import jvisor.storage.luks.LuksException;
import jvisor.storage.luks.LuksVolume;

/**
 * A LUKS volume as a disk: the guest reads and writes plaintext, every byte that reaches the
 * image is ciphertext (BitVisor's storage encryption, with the volume format cryptsetup uses).
 *
 * <p>Requests in whole encryption sectors go straight through the volume. A request that starts
 * or ends inside a sector (a guest may split its buffers anywhere) reads that sector, patches it
 * and writes it back, under one of a few striped locks so that two such patches of one sector
 * cannot lose each other's bytes.
 */
public final class LuksImage implements BlockBackend {
    /** cryptsetup's default limit on a key file. */
    static final long MAX_KEY_FILE = 8 << 20;
    private static final int ZERO_CHUNK = 256 << 10;
    private static final int STRIPES = 64;

    private final LuksVolume volume;
    private final int sectorSize;
    private final ReentrantLock[] sectorLocks = new ReentrantLock[STRIPES];
    private final MemorySegment zeros;

    private LuksImage(LuksVolume volume) {
        this.volume = volume;
        this.sectorSize = volume.sectorSize();
        for (int i = 0; i < STRIPES; i++) {
            sectorLocks[i] = new ReentrantLock();
        }
        this.zeros = volume.readOnly() ? MemorySegment.NULL : Arena.ofAuto().allocate(ZERO_CHUNK, 4096);
    }

    /**
     * Unlocks {@code image} with the contents of {@code keyFile} (all of its bytes, as
     * {@code cryptsetup --key-file} takes them). A wrong key or a damaged header is a
     * BadInputException with one line; the image is never written before it is unlocked.
     */
    public static LuksImage open(Path image, Path keyFile, boolean readOnly) {
        byte[] passphrase = readKeyFile(image, keyFile);
        try {
            return new LuksImage(LuksVolume.open(image, passphrase, readOnly));
        } catch (LuksException e) {
            throw new BadInputException("drive " + e.getMessage());
        } finally {
            Arrays.fill(passphrase, (byte) 0);
        }
    }

    static byte[] readKeyFile(Path image, Path keyFile) {
        try {
            if (!Files.isRegularFile(keyFile)) {
                throw new BadInputException("drive " + image + ": key file " + keyFile + " does not exist or is not a file");
            }
            if (Files.size(keyFile) > MAX_KEY_FILE) {
                throw new BadInputException("drive " + image + ": key file " + keyFile + " is larger than 8 MiB");
            }
            byte[] key = Files.readAllBytes(keyFile);
            if (key.length == 0) {
                throw new BadInputException("drive " + image + ": key file " + keyFile + " is empty");
            }
            return key;
        } catch (IOException e) {
            throw new BadInputException("drive " + image + ": cannot read key file " + keyFile + ": " + e.getMessage());
        }
    }

    @Override
    public long size() {
        return volume.size();
    }

    @Override
    public boolean readOnly() {
        return volume.readOnly();
    }

    @Override
    public int blockSize() {
        return sectorSize;
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        bySectors(offset, dst, reads);
    }

    @Override
    public void write(long offset, MemorySegment src) {
        bySectors(offset, src, writes);
    }

    /** How one direction moves whole sectors and parts of one sector. */
    private interface SectorIo {
        void whole(long offset, MemorySegment buffer) throws IOException;

        void part(long offset, MemorySegment buffer) throws IOException;
    }

    private final SectorIo reads = new SectorIo() {
        @Override
        public void whole(long offset, MemorySegment buffer) throws IOException {
            volume.read(offset, buffer);
        }

        @Override
        public void part(long offset, MemorySegment buffer) throws IOException {
            readPart(offset, buffer);
        }
    };

    private final SectorIo writes = new SectorIo() {
        @Override
        public void whole(long offset, MemorySegment buffer) throws IOException {
            volume.write(offset, buffer);
        }

        @Override
        public void part(long offset, MemorySegment buffer) throws IOException {
            writePart(offset, buffer);
        }
    };

    /** Splits a request into a partial head sector, whole sectors, and a partial tail sector. */
    private void bySectors(long offset, MemorySegment buffer, SectorIo io) {
        long end = offset + buffer.byteSize();
        long alignedStart = roundUp(offset);
        long alignedEnd = Math.max(alignedStart, end - Math.floorMod(end, sectorSize));
        try {
            if (alignedStart >= end) {
                io.part(offset, buffer);
                return;
            }
            if (offset < alignedStart) {
                io.part(offset, buffer.asSlice(0, alignedStart - offset));
            }
            if (alignedEnd > alignedStart) {
                io.whole(alignedStart, buffer.asSlice(alignedStart - offset, alignedEnd - alignedStart));
            }
            if (end > alignedEnd) {
                io.part(alignedEnd, buffer.asSlice(alignedEnd - offset));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new StorageException(volume + ": " + e.getMessage());
        }
    }

    /** Part of one sector: decrypt the whole sector, copy out the part. */
    private void readPart(long offset, MemorySegment dst) throws IOException {
        long sector = offset - Math.floorMod(offset, sectorSize);
        MemorySegment bounce = MemorySegment.ofArray(new byte[sectorSize]);
        volume.read(sector, bounce);
        MemorySegment.copy(bounce, offset - sector, dst, 0, dst.byteSize());
    }

    /** Part of one sector: read, patch and rewrite it, so the rest of the sector survives. */
    private void writePart(long offset, MemorySegment src) throws IOException {
        long sector = offset - Math.floorMod(offset, sectorSize);
        MemorySegment bounce = MemorySegment.ofArray(new byte[sectorSize]);
        ReentrantLock lock = sectorLocks[(int) Long.remainderUnsigned(sector / sectorSize, STRIPES)];
        lock.lock();
        try {
            volume.read(sector, bounce);
            MemorySegment.copy(src, 0, bounce, offset - sector, src.byteSize());
            volume.write(sector, bounce);
        } finally {
            lock.unlock();
        }
    }

    private long roundUp(long offset) {
        long rem = Math.floorMod(offset, sectorSize);
        return rem == 0 ? offset : offset + sectorSize - rem;
    }

    @Override
    public void flush() {
        try {
            volume.flush();
        } catch (IOException e) {
            throw new StorageException(volume + ": flush failed: " + e.getMessage());
        }
    }

    /** Not offered: discarding would show the host which sectors hold no data. */
    @Override
    public void discard(long offset, long length) {
    }

    @Override
    public boolean canDiscard() {
        return false;
    }

    /** Zeros are written encrypted, like any other data: the image never shows which sectors are empty. */
    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) {
        for (long done = 0; done < length; ) {
            long n = Math.min(length - done, ZERO_CHUNK);
            write(offset + done, zeros.asSlice(0, n));
            done += n;
        }
    }

    @Override
    public String description() {
        return volume.description();
    }

    @Override
    public void close() {
        try {
            volume.close();
        } catch (IOException e) {
            throw new StorageException(volume + ": close failed: " + e.getMessage());
        }
    }
}
