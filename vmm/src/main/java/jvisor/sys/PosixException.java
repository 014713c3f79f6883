package jvisor.sys;

/** A failed libc or kernel call: the call's name and the errno it left. */
public class PosixException extends RuntimeException {
    private final String call;
    private final int errno;

    public PosixException(String call, int errno) {
        super(call + " failed: " + Posix.strerror(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
