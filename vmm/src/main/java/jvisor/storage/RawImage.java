package jvisor.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BadInputException;
import jvisor.sys.FileIo;
import jvisor.sys.PosixException;

/**
 * A raw disk image file (or a block device): guest sector n is bytes {@code 512n} of the file.
 * Reads and writes go between the file and guest RAM with pread/pwrite, no copy in between; a
 * flush is fdatasync. The file is locked (exclusively when writable, shared when read-only) so
 * that two VMs cannot write one image, as QEMU does.
 */
public final class RawImage implements BlockBackend {
    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final int fd;
    private final long size;
    private final boolean readOnly;
    private final MemorySegment zeros;
    private volatile boolean closed;

    private RawImage(Path path, int fd, long size, boolean readOnly) {
        this.path = path;
        this.fd = fd;
        this.size = size;
        this.readOnly = readOnly;
        this.zeros = readOnly ? MemorySegment.NULL : Arena.ofAuto().allocate(ZERO_CHUNK, 4096);
    }

    /** Opens {@code path}; every problem is a BadInputException with one line that says what to do. */
    public static RawImage open(Path path, boolean readOnly) {
        if (!Files.exists(path)) {
            throw new BadInputException("drive " + path + " does not exist (create one with ./jvisor disk create "
                    + path + " SIZE)");
        }
        if (Files.isDirectory(path)) {
            throw new BadInputException("drive " + path + " is a directory, not a disk image");
        }
        int fd;
        try {
            fd = FileIo.open(path.toString(), !readOnly);
        } catch (PosixException e) {
            throw new BadInputException("cannot open drive " + path + ": " + e.getMessage()
                    + (readOnly ? "" : " (add readonly=on to use it read-only)"));
        }
        try {
            if (!FileIo.tryLock(fd, !readOnly)) {
                throw new BadInputException("drive " + path + " is in use by another process (another jvisor or QEMU?)");
            }
            long bytes = FileIo.size(fd);
            if (bytes < SECTOR) {
                throw new BadInputException("drive " + path + " is " + bytes + " bytes: a disk image needs at least 512");
            }
            return new RawImage(path, fd, bytes & -SECTOR, readOnly);
        } catch (RuntimeException e) {
            jvisor.sys.Posix.close(fd);
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        try {
            FileIo.readFully(fd, dst.address(), dst.byteSize(), offset);
        } catch (PosixException e) {
            throw new StorageException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void write(long offset, MemorySegment src) {
        requireWritable();
        try {
            FileIo.writeFully(fd, src.address(), src.byteSize(), offset);
        } catch (PosixException e) {
            throw new StorageException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void flush() {
        if (readOnly) {
            return;
        }
        try {
            FileIo.fdatasync(fd);
        } catch (PosixException e) {
            throw new StorageException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void discard(long offset, long length) {
        requireWritable();
        try {
            FileIo.punchHole(fd, offset, length);
        } catch (PosixException e) {
            throw new StorageException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) {
        requireWritable();
        try {
            if (mayUnmap && FileIo.punchHole(fd, offset, length) || FileIo.zeroRange(fd, offset, length)) {
                return;
            }
            for (long done = 0; done < length; done += ZERO_CHUNK) {
                FileIo.writeFully(fd, zeros.address(), Math.min(ZERO_CHUNK, length - done), offset + done);
            }
        } catch (PosixException e) {
            throw new StorageException(path + ": " + e.getMessage());
        }
    }

    @Override
    public boolean canDiscard() {
        return !readOnly;
    }

    private void requireWritable() {
        if (readOnly) {
            throw new StorageException(path + " is read-only");
        }
    }

    @Override
    public String description() {
        return path + " (raw, " + size / (1 << 20) + " MiB" + (readOnly ? ", read-only)" : ")");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            jvisor.sys.Posix.close(fd);
        }
    }
}
