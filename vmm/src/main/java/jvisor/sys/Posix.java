package jvisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls jvisor makes, in one place. Every call that can fail captures {@code errno}
 * and turns a failure into a {@link PosixException} naming the call.
 */
public final class Posix {
    private Posix() { }

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** madvise: fault the range in now, for reading (Linux 5.14). */
    public static final int MADV_POPULATE_READ = 22;
    /** madvise: fault the range in now, writable (Linux 5.14). */
    public static final int MADV_POPULATE_WRITE = 23;
    public static final int O_RDWR = 0x2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOENT = 2;
    public static final int EACCES = 13;
    public static final int EPERM = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MMAP = downcall("mmap", true,
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = downcall("munmap", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPEN = downcall("open", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = downcall("strerror", false,
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), JAVA_INT));

    /** A downcall handle for a libc function; with {@code errno} capture as the first argument if asked. */
    public static MethodHandle downcall(String name, boolean captureErrno, FunctionDescriptor descriptor,
                                        Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] all = options;
        if (captureErrno) {
            all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = CAPTURE_ERRNO;
        }
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** A buffer to hand to an errno-capturing downcall; one per calling thread is enough. */
    public static MemorySegment newErrnoBuffer(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    public static int errno(MemorySegment captureBuffer) {
        return (int) ERRNO.get(captureBuffer, 0L);
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Anonymous private memory that is not charged against swap until touched. */
    public static MemorySegment mmapAnonymous(long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (p.address() == -1L) {
                throw new PosixException("mmap", errno(errno));
            }
            return p.reinterpret(size);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Gives the kernel advice about the pages of {@code range}, a native segment (widened down to
     * its first page, as madvise wants); returns 0 or the errno. Advice is optional, so a refusal
     * (an older kernel) is not an error.
     */
    public static int madvise(MemorySegment range, int advice) {
        long start = range.address() & ~0xFFFL;
        long length = range.address() + range.byteSize() - start;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            int rc = (int) MADVISE.invokeExact(errno, MemorySegment.ofAddress(start), length, advice);
            return rc == 0 ? 0 : errno(errno);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Maps {@code size} bytes of a file descriptor shared (kvm_run is mapped this way). */
    public static MemorySegment mmapShared(int fd, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (p.address() == -1L) {
                throw new PosixException("mmap", errno(errno));
            }
            return p.reinterpret(size);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            int rc = (int) MUNMAP.invokeExact(errno, mapping, mapping.byteSize());
            if (rc != 0) {
                throw new PosixException("munmap", errno(errno));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            int fd = (int) OPEN.invokeExact(errno, arena.allocateFrom(path), flags);
            if (fd < 0) {
                throw new PosixException("open " + path, errno(errno));
            }
            return fd;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoBuffer(arena);
            int rc = (int) CLOSE.invokeExact(errno, fd);
            if (rc != 0) {
                throw new PosixException("close", errno(errno));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
