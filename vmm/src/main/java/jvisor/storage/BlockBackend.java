package jvisor.storage;

import java.lang.foreign.MemorySegment;

/**
 * What a disk device reads and writes: a raw image, or the plaintext view of an encrypted one.
 * Offsets and lengths are multiples of {@link #SECTOR}; buffers are native memory (slices of
 * guest RAM). Thread-safe: several queue workers use one backend. Host failures are
 * {@link StorageException}s, which the device turns into an I/O error for the guest.
 */
public interface BlockBackend extends AutoCloseable {
    int SECTOR = 512;

    /** Bytes the guest sees (a multiple of {@link #SECTOR}). */
    long size();

    boolean readOnly();

    /**
     * The unit the image is best read and written in (512, or 4096 for a LUKS volume with
     * 4096-byte sectors): what the device reports to the guest as its block size. Other
     * requests still work, only slower.
     */
    default int blockSize() {
        return SECTOR;
    }

    void read(long offset, MemorySegment dst);

    void write(long offset, MemorySegment src);

    /** Returns once everything written before is durable on the host. */
    void flush();

    /** The guest no longer needs the range; its content becomes unspecified (or zero). */
    void discard(long offset, long length);

    /** Makes the range read as zeros; {@code mayUnmap}: it may be deallocated on the way. */
    void writeZeroes(long offset, long length, boolean mayUnmap);

    /** Whether discarding can free host space (else discard is not offered to the guest). */
    boolean canDiscard();

    /** One line for the boot trace: what the image is. */
    String description();

    @Override
    void close();
}
