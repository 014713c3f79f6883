package jvisor.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A terminal's line discipline, saved and switched to raw mode the way QEMU's stdio console
 * does: no echo, no line editing, no signals from keys (Ctrl-C reaches the guest), but output
 * post-processing kept so a guest's bare "\n" still starts a new line.
 */
public final class Termios {
    /** glibc's struct termios on x86-64 is 60 bytes; kept opaque apart from c_oflag. */
    private static final long SIZE = 60;
    private static final long C_OFLAG = 4;
    private static final int OPOST = 0x1;
    private static final int ONLCR = 0x4;
    private static final int TCSANOW = 0;

    private static final MethodHandle ISATTY = Posix.downcall("isatty", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = Posix.downcall("tcgetattr", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = Posix.downcall("tcsetattr", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = Posix.downcall("cfmakeraw", false,
            FunctionDescriptor.ofVoid(ADDRESS));

    private final int fd;
    private final byte[] saved;

    private Termios(int fd, byte[] saved) {
        this.fd = fd;
        this.saved = saved;
    }

    public static boolean isTerminal(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Puts terminal {@code fd} into raw mode; {@link #restore()} puts back what it was. */
    public static Termios makeRaw(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            MemorySegment t = arena.allocate(SIZE + 4);
            if ((int) TCGETATTR.invokeExact(errno, fd, t) != 0) {
                throw new PosixException("tcgetattr", Posix.errno(errno));
            }
            byte[] saved = t.asSlice(0, SIZE).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            CFMAKERAW.invokeExact(t);
            t.set(JAVA_INT, C_OFLAG, t.get(JAVA_INT, C_OFLAG) | OPOST | ONLCR);
            if ((int) TCSETATTR.invokeExact(errno, fd, TCSANOW, t) != 0) {
                throw new PosixException("tcsetattr", Posix.errno(errno));
            }
            return new Termios(fd, saved);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public void restore() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            MemorySegment t = arena.allocate(SIZE + 4);
            MemorySegment.copy(saved, 0, t, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, saved.length);
            int rc = (int) TCSETATTR.invokeExact(errno, fd, TCSANOW, t);
            if (rc != 0) {
                throw new PosixException("tcsetattr", Posix.errno(errno));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
