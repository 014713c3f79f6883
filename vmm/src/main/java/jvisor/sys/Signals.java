package jvisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Signal dispositions and masks through glibc's {@code sigaction}, {@code pthread_sigmask} and
 * friends. jvisor needs exactly one thing here: a signal that interrupts a blocking system call
 * in one thread (KVM_RUN) without doing anything else, see {@link #installNoOpHandler}.
 */
public final class Signals {
    private Signals() { }

    public static final int SA_RESTART = 0x1000_0000;
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final long SIG_DFL = 0;
    public static final long SIG_IGN = 1;

    /** glibc's {@code struct sigaction} on x86-64: handler, a 1024-bit sigset_t, flags, restorer. */
    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
            ADDRESS.withName("sa_handler"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("sa_mask"),
            JAVA_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("sa_restorer")).withName("sigaction");
    /** glibc's {@code sigset_t}. */
    public static final long SIGSET_BYTES = 128;

    private static final VarHandle SA_HANDLER = SIGACTION.varHandle(groupElement("sa_handler"));
    private static final VarHandle SA_FLAGS = SIGACTION.varHandle(groupElement("sa_flags"));
    private static final long SA_MASK_OFFSET = SIGACTION.byteOffset(groupElement("sa_mask"));

    private static final MethodHandle SIGACTION_CALL = Posix.downcall("sigaction", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = Posix.downcall("sigemptyset", false,
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = Posix.downcall("sigaddset", false,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGISMEMBER = Posix.downcall("sigismember", false,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = Posix.downcall("pthread_sigmask", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGRTMIN = Posix.downcall("__libc_current_sigrtmin", false,
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SIGRTMAX = Posix.downcall("__libc_current_sigrtmax", false,
            FunctionDescriptor.of(JAVA_INT));

    /**
     * The handler address jvisor installs: libc's {@code ffs(3)}. A handler is called as
     * {@code void handler(int signo)} (no SA_SIGINFO); {@code int ffs(int)} has that shape in the
     * x86-64 System V ABI (argument in EDI, result in EAX, which the kernel's signal return
     * discards along with every other register it restores). ffs computes a bit index from its
     * argument and returns: it touches no memory, makes no system call and never sets errno
     * (glibc's is five register-only instructions: mov, bsf, cmove, add, ret), and POSIX.1-2008 TC2
     * lists it among the async-signal-safe functions (signal-safety(7)). A Java upcall stub
     * would not do here: entering the JVM from a signal handler is not async-signal-safe.
     */
    public static MemorySegment noOpHandler() {
        return Linker.nativeLinker().defaultLookup().find("ffs")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no ffs"));
    }

    /** The lowest real-time signal the C library leaves to applications (glibc keeps two for itself). */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int sigrtmax() {
        try {
            return (int) SIGRTMAX.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The handler address currently installed for {@code signal} ({@link #SIG_DFL}, {@link #SIG_IGN} or code). */
    public static long handler(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGACTION);
            sigaction(arena, signal, MemorySegment.NULL, old);
            return ((MemorySegment) SA_HANDLER.get(old, 0L)).address();
        }
    }

    /**
     * Makes {@code signal} interrupt whatever blocking system call its target thread is in and do
     * nothing else: the handler is {@link #noOpHandler()}. SA_RESTART makes the restartable calls
     * a JVM thread may be in (futex waits, reads) resume as if nothing happened; calls the kernel
     * never restarts, KVM_RUN among them, return EINTR, which is the point. Neither the default
     * disposition (a real-time signal terminates the process) nor SIG_IGN (the kernel drops an
     * ignored signal before it interrupts anything) would do.
     *
     * @throws IllegalStateException if something else in this process already handles {@code signal}
     */
    public static void installNoOpHandler(int signal) {
        long noOp = noOpHandler().address();
        long current = handler(signal);
        if (current == noOp) {
            return;
        }
        if (current != SIG_DFL) {
            throw new IllegalStateException(String.format(
                    "signal %d already has a handler (%#x); jvisor needs it to stop its processors", signal, current));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION);
            SA_HANDLER.set(action, 0L, MemorySegment.ofAddress(noOp));
            SA_FLAGS.set(action, 0L, SA_RESTART);
            emptySet(action.asSlice(SA_MASK_OFFSET, SIGSET_BYTES));
            sigaction(arena, signal, action, MemorySegment.NULL);
        }
    }

    /** Unblocks {@code signal} in the calling thread, which inherited its mask from whoever created it. */
    public static void unblock(int signal) {
        changeMask(SIG_UNBLOCK, signal);
    }

    /** Blocks {@code signal} in the calling thread. */
    public static void block(int signal) {
        changeMask(SIG_BLOCK, signal);
    }

    /** Whether {@code signal} is blocked in the calling thread. */
    public static boolean isBlocked(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment current = arena.allocate(SIGSET_BYTES, 8);
            int rc = (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, MemorySegment.NULL, current);
            if (rc != 0) {
                throw new PosixException("pthread_sigmask", rc);
            }
            return (int) SIGISMEMBER.invokeExact(current, signal) == 1;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void changeMask(int how, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
            emptySet(set);
            if ((int) SIGADDSET.invokeExact(set, signal) != 0) {
                throw new IllegalArgumentException("not a signal number: " + signal);
            }
            int rc = (int) PTHREAD_SIGMASK.invokeExact(how, set, MemorySegment.NULL);
            if (rc != 0) {
                throw new PosixException("pthread_sigmask", rc);
            }
        } catch (PosixException | IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void emptySet(MemorySegment set) {
        try {
            int rc = (int) SIGEMPTYSET.invokeExact(set);
            if (rc != 0) {
                throw new AssertionError("sigemptyset failed");
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void sigaction(Arena arena, int signal, MemorySegment action, MemorySegment old) {
        MemorySegment errno = Posix.newErrnoBuffer(arena);
        int rc;
        try {
            rc = (int) SIGACTION_CALL.invokeExact(errno, signal, action, old);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc != 0) {
            throw new PosixException("sigaction(" + signal + ")", Posix.errno(errno));
        }
    }
}
