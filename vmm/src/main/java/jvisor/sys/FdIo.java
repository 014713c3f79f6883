package jvisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code read(2)}, {@code write(2)} and {@code poll(2)} on a raw descriptor (a TAP device has no
 * Java channel). Like {@link Ioctl}, these return the raw result and leave {@code errno} in the
 * caller's capture buffer, so a packet loop reuses one buffer and allocates nothing.
 */
public final class FdIo {
    private FdIo() { }

    public static final int O_NONBLOCK = 0x800;
    public static final short POLLIN = 0x1;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    /** struct pollfd: int fd; short events; short revents. */
    public static final long POLLFD_SIZE = 8;

    private static final MethodHandle READ = Posix.downcall("read", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = Posix.downcall("write", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = Posix.downcall("poll", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    /** Bytes read into the first {@code length} bytes of {@code buffer}, 0 at end of file, -1 on failure. */
    public static long read(MemorySegment errno, int fd, MemorySegment buffer, long length) {
        java.util.Objects.checkFromIndexSize(0, length, buffer.byteSize());
        try {
            return (long) READ.invokeExact(errno, fd, buffer, length);
        } catch (Throwable t) {
            throw new AssertionError("read downcall failed", t);
        }
    }

    /** Bytes written from the first {@code length} bytes of {@code buffer}, -1 on failure. */
    public static long write(MemorySegment errno, int fd, MemorySegment buffer, long length) {
        java.util.Objects.checkFromIndexSize(0, length, buffer.byteSize());
        try {
            return (long) WRITE.invokeExact(errno, fd, buffer, length);
        } catch (Throwable t) {
            throw new AssertionError("write downcall failed", t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for {@code fd} to become readable, using {@code pollfd}
     * ({@link #POLLFD_SIZE} bytes) as scratch: 1 if it is, 0 on time-out, -1 on failure.
     */
    public static int pollIn(MemorySegment errno, MemorySegment pollfd, int fd, int timeoutMillis) {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, POLLIN);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        try {
            return (int) POLL.invokeExact(errno, pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError("poll downcall failed", t);
        }
    }
}
