package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;

/**
 * A KVM file descriptor (/dev/kvm, a VM or a vCPU) and the ioctls issued on it outside the exit
 * path. A failed ioctl becomes a {@link KvmException} naming it. EINTR (a kick signal landing
 * while the thread sets something up) is retried: these ioctls are idempotent.
 */
final class KvmFd implements AutoCloseable {
    private static final int MAX_EINTR_RETRIES = 1000;

    private final int fd;
    private boolean closed;

    KvmFd(int fd) {
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    /** Issues {@code request} with a pointer argument; returns the ioctl's non-negative result. */
    int ioctl(KvmIoctl request, MemorySegment arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            for (int attempt = 0; ; attempt++) {
                int rc = Ioctl.call(errno, fd, request.number(), arg);
                if (rc >= 0) {
                    return rc;
                }
                failUnlessInterrupted(request, Posix.errno(errno), attempt);
            }
        }
    }

    /** Issues {@code request} with an integer argument; returns the ioctl's non-negative result. */
    int ioctl(KvmIoctl request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            for (int attempt = 0; ; attempt++) {
                int rc = Ioctl.call(errno, fd, request.number(), arg);
                if (rc >= 0) {
                    return rc;
                }
                failUnlessInterrupted(request, Posix.errno(errno), attempt);
            }
        }
    }

    private static void failUnlessInterrupted(KvmIoctl request, int errno, int attempt) {
        if (errno != Posix.EINTR || attempt >= MAX_EINTR_RETRIES) {
            throw new KvmException(request.name(), errno);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
