package jvisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The POSIX thread calls jvisor makes: who the calling thread is, and signalling one thread. */
public final class Threads {
    private Threads() { }

    public static final int ESRCH = 3;

    private static final MethodHandle PTHREAD_SELF = Posix.downcall("pthread_self", false,
            FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = Posix.downcall("pthread_kill", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));

    /** The calling thread's {@code pthread_t}; a Java platform thread keeps the same one for its life. */
    public static long self() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pthread_self downcall failed", t);
        }
    }

    /**
     * Sends {@code signal} to one thread. The caller must know the thread is still alive: a
     * {@code pthread_t} of a thread that has ended may name freed memory.
     *
     * @return 0, or the error number pthread_kill returned (it does not set errno)
     */
    public static int kill(long thread, int signal) {
        try {
            return (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw new AssertionError("pthread_kill downcall failed", t);
        }
    }
}
