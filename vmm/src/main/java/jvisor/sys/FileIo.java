package jvisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Positional file I/O straight between a file and native memory (guest RAM), for disk images:
 * pread/pwrite/fdatasync/fallocate/flock. The buffer is passed as a raw address (on x86-64 Linux
 * a pointer and a 64-bit integer travel in the same register), so an I/O allocates nothing; each
 * thread captures errno into its own buffer.
 */
public final class FileIo {
    private FileIo() { }

    public static final int O_RDONLY = 0;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int LOCK_SH = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    static final int SEEK_END = 2;
    public static final int EOPNOTSUPP = 95;
    public static final int EWOULDBLOCK = Posix.EAGAIN;

    private static final MethodHandle PREAD = Posix.downcall("pread64", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = Posix.downcall("pwrite64", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FDATASYNC = Posix.downcall("fdatasync", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FALLOCATE = Posix.downcall("fallocate64", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FLOCK = Posix.downcall("flock", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle LSEEK = Posix.downcall("lseek64", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));

    private static final ThreadLocal<MemorySegment> ERRNO =
            ThreadLocal.withInitial(() -> Posix.newErrnoBuffer(Arena.ofAuto()));

    /** Opens {@code path} for reading, or reading and writing. */
    public static int open(String path, boolean writable) {
        return Posix.open(path, (writable ? Posix.O_RDWR : O_RDONLY) | Posix.O_CLOEXEC);
    }

    /**
     * Reads {@code count} bytes at file offset {@code offset} into native memory at
     * {@code address}; bytes past the end of the file read as zero. Retries short reads and EINTR.
     */
    public static void readFully(int fd, long address, long count, long offset) {
        MemorySegment errno = ERRNO.get();
        long done = 0;
        while (done < count) {
            long n;
            try {
                n = (long) PREAD.invokeExact(errno, fd, address + done, count - done, offset + done);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n < 0) {
                int e = Posix.errno(errno);
                if (e == Posix.EINTR) {
                    continue;
                }
                throw new PosixException("pread", e);
            }
            if (n == 0) {
                MemorySegment.ofAddress(address + done).reinterpret(count - done).fill((byte) 0);
                return;
            }
            done += n;
        }
    }

    /** Writes {@code count} bytes from native memory at {@code address} at file offset {@code offset}. */
    public static void writeFully(int fd, long address, long count, long offset) {
        MemorySegment errno = ERRNO.get();
        long done = 0;
        while (done < count) {
            long n;
            try {
                n = (long) PWRITE.invokeExact(errno, fd, address + done, count - done, offset + done);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n < 0) {
                int e = Posix.errno(errno);
                if (e == Posix.EINTR) {
                    continue;
                }
                throw new PosixException("pwrite", e);
            }
            done += n;
        }
    }

    /** Makes written data durable: returns once the file's data (and size) reached the disk. */
    public static void fdatasync(int fd) {
        MemorySegment errno = ERRNO.get();
        int rc;
        try {
            rc = (int) FDATASYNC.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc != 0) {
            throw new PosixException("fdatasync", Posix.errno(errno));
        }
    }

    /** Deallocates a range (reads return zero after); false if the file system cannot. */
    public static boolean punchHole(int fd, long offset, long length) {
        return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /** Zeroes a range without writing data; false if the file system cannot. */
    public static boolean zeroRange(int fd, long offset, long length) {
        return fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    private static boolean fallocate(int fd, int mode, long offset, long length) {
        MemorySegment errno = ERRNO.get();
        int rc;
        try {
            rc = (int) FALLOCATE.invokeExact(errno, fd, mode, offset, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc == 0) {
            return true;
        }
        int e = Posix.errno(errno);
        if (e == EOPNOTSUPP || e == 22 /* EINVAL: mode unknown to an older kernel */) {
            return false;
        }
        throw new PosixException("fallocate", e);
    }

    /** Takes an advisory lock on the whole file without waiting; false if another process holds one. */
    public static boolean tryLock(int fd, boolean exclusive) {
        MemorySegment errno = ERRNO.get();
        int rc;
        try {
            rc = (int) FLOCK.invokeExact(errno, fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc == 0) {
            return true;
        }
        int e = Posix.errno(errno);
        if (e == EWOULDBLOCK) {
            return false;
        }
        throw new PosixException("flock", e);
    }

    /** The file's size in bytes (what a block device's or a regular file's end is). */
    public static long size(int fd) {
        MemorySegment errno = ERRNO.get();
        long end;
        try {
            end = (long) LSEEK.invokeExact(errno, fd, 0L, SEEK_END);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (end < 0) {
            throw new PosixException("lseek", Posix.errno(errno));
        }
        return end;
    }
}
