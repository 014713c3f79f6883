package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.sys.Posix;
import jvisor.sys.Signals;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kick mechanism without /dev/kvm: the same signal, handler and thread protocol, with a
 * blocking poll(2) standing in for KVM_RUN. poll is never restarted after a signal handler runs,
 * SA_RESTART or not, so it returns EINTR exactly as KVM_RUN does.
 */
class ThreadKickerTest {
    private static final MethodHandle POLL = Posix.downcall("poll", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /** Far longer than the test may take: the call must end by the kick, not by its timeout. */
    private static final int POLL_TIMEOUT_MS = 120_000;
    private static final long LIVENESS_BOUND_SECONDS = 60;

    record Result(int rc, int errno) { }

    @Test
    void theKickSignalHasTheNoOpHandler() {
        int signal = KickSignal.install();
        assertTrue(signal >= Signals.sigrtmin() && signal <= Signals.sigrtmax());
        assertEquals(signal, KickSignal.install(), "installed once");
        assertEquals(Signals.noOpHandler().address(), Signals.handler(signal));
    }

    @Test
    void aKickEndsABlockingCallWithEintrAndTheProcessLivesOn() throws Exception {
        int signal = KickSignal.install();
        AtomicReference<ThreadKicker> kicker = new AtomicReference<>();
        CompletableFuture<Result> result = new CompletableFuture<>();
        Thread vcpu = Thread.ofPlatform().name("fake-vcpu").start(() -> {
            ThreadKicker k = new ThreadKicker(signal);
            kicker.set(k);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment errno = Posix.newErrnoBuffer(arena);
                k.enter();
                int rc;
                try {
                    rc = (int) POLL.invokeExact(errno, MemorySegment.NULL, 0L, POLL_TIMEOUT_MS);
                } finally {
                    k.leave();
                }
                result.complete(new Result(rc, Posix.errno(errno)));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        // A signal that lands between enter() and poll() runs the handler and is gone, so kick
        // until the call has ended; each kick finds the thread inside or reports it outside.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIVENESS_BOUND_SECONDS);
        while (!result.isDone() && System.nanoTime() < deadline) {
            ThreadKicker k = kicker.get();
            if (k != null) {
                k.kick();
            }
            Thread.sleep(2);
        }
        Result r = result.get(1, TimeUnit.SECONDS);
        assertEquals(-1, r.rc(), "poll was interrupted, not timed out");
        assertEquals(Posix.EINTR, r.errno());
        vcpu.join();
        assertFalse(kicker.get().kick(), "a thread outside is not signalled");
    }

    @Test
    void aKickLandingInJavaCodeChangesNothing() throws Exception {
        int signal = KickSignal.install();
        AtomicReference<ThreadKicker> kicker = new AtomicReference<>();
        CompletableFuture<Long> sum = new CompletableFuture<>();
        CompletableFuture<Void> kicked = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            ThreadKicker k = new ThreadKicker(signal);
            kicker.set(k);
            k.enter();
            long s = 0;
            for (long i = 0; !kicked.isDone() || i < 1_000_000; i++) {
                s += i & 7;
            }
            k.leave();
            sum.complete(s);
        });
        while (kicker.get() == null) {
            Thread.onSpinWait();
        }
        assertTrue(kicker.get().kick(), "the thread is inside until it sees the kick was sent");
        kicked.complete(null);
        assertTrue(sum.get(LIVENESS_BOUND_SECONDS, TimeUnit.SECONDS) > 0);
    }

    @Test
    void aThreadThatInheritedTheSignalBlockedGetsItUnblocked() throws Exception {
        int signal = KickSignal.install();
        CompletableFuture<Boolean> blockedAfter = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            Signals.block(signal);
            boolean wasBlocked = Signals.isBlocked(signal);
            new ThreadKicker(signal);
            blockedAfter.complete(wasBlocked && !Signals.isBlocked(signal) ? Boolean.FALSE : Boolean.TRUE);
        });
        assertFalse(blockedAfter.get(LIVENESS_BOUND_SECONDS, TimeUnit.SECONDS));
    }
}
