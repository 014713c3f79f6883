package jvisor.engine.kvm;

import java.util.concurrent.atomic.AtomicInteger;
import jvisor.sys.Signals;
import jvisor.sys.Threads;

/**
 * Interrupts one thread's blocking system call (KVM_RUN) from any other thread with a signal.
 *
 * <p>The signal is sent only while the thread is between {@link #enter()} and {@link #leave()}, and
 * {@code leave} waits for a signal being sent to finish. So the target is always alive when it is
 * signalled: a {@code pthread_t} of a thread that has ended may name freed memory. A kick that
 * finds the thread outside is not lost: the caller first sets {@code kvm_run.immediate_exit},
 * which the next KVM_RUN sees. The two orderings are covered by sequential consistency: the
 * kicker writes immediate_exit and then reads the state; the vCPU thread writes the state and
 * then (in the kernel) reads immediate_exit. One of them sees the other's write.
 */
final class ThreadKicker {
    private static final int OUTSIDE = 0;
    private static final int INSIDE = 1;
    private static final int SIGNALLING = 2;

    private final AtomicInteger state = new AtomicInteger(OUTSIDE);
    private final Thread owner;
    private final long pthread;
    private final int signal;

    /** Binds to the calling thread, which is the one later kicks interrupt. */
    ThreadKicker(int signal) {
        this.owner = Thread.currentThread();
        this.pthread = Threads.self();
        this.signal = signal;
        // The thread may have inherited a mask that blocks the signal; a blocked signal would not
        // interrupt KVM_RUN.
        Signals.unblock(signal);
    }

    Thread owner() {
        return owner;
    }

    /** On the owner thread, right before the blocking call. */
    void enter() {
        state.set(INSIDE);
    }

    /** On the owner thread, right after the blocking call. */
    void leave() {
        while (!state.compareAndSet(INSIDE, OUTSIDE)) {
            Thread.onSpinWait();
        }
    }

    /** From any thread: signals the owner if it is inside; returns whether it did. */
    boolean kick() {
        if (!state.compareAndSet(INSIDE, SIGNALLING)) {
            return false;
        }
        try {
            int error = Threads.kill(pthread, signal);
            if (error != 0) {
                throw new IllegalStateException("pthread_kill of " + owner.getName() + " failed with error " + error);
            }
            return true;
        } finally {
            state.set(INSIDE);
        }
    }

    boolean inside() {
        return state.get() != OUTSIDE;
    }
}
