package jvisor.engine.emu.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The platform's one timer thread: a deadline for the PIT's channel 0 and one for every local APIC
 * timer, each fired into its device once the platform clock passes it. Deadlines are host
 * nanoseconds on that clock. Tests run the same code without the thread: they advance the clock
 * by hand and call {@link #fireDue()}.
 *
 * <p>An action may run for a deadline its device has just moved (the thread took it as due a
 * moment before): devices check the time themselves when they fire.
 */
final class PlatformTimers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jvisor.platform");

    /** One device's deadline. Its fields are guarded by the owning {@link PlatformTimers}' lock. */
    static final class Timer {
        private final String name;
        private final LongConsumer action;
        private boolean armed;
        private long deadline;

        private Timer(String name, LongConsumer action) {
            this.name = name;
            this.action = action;
        }
    }

    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Timer> timers = new ArrayList<>();
    private Thread thread;
    private boolean running;
    /** The timer thread waits (under {@link #changed}) and will look again by itself at {@link #threadWakesAt}. */
    private boolean threadWaiting;
    /** Long.MAX_VALUE while the thread waits with nothing armed: then only a signal wakes it. */
    private long threadWakesAt;
    /** Signals sent to the waiting thread for a deadline: for tests. */
    private long wakeSignals;

    PlatformTimers(LongSupplier clock) {
        this.clock = clock;
    }

    /** The platform clock, in nanoseconds. */
    long now() {
        return clock.getAsLong();
    }

    /** A timer that calls {@code action} with the current time once its deadline passes. */
    Timer newTimer(String name, LongConsumer action) {
        Timer t = new Timer(name, action);
        lock.lock();
        try {
            timers.add(t);
        } finally {
            lock.unlock();
        }
        return t;
    }

    /** Arms {@code t} for {@code deadline} (platform nanoseconds), replacing its previous deadline. */
    void schedule(Timer t, long deadline) {
        lock.lock();
        try {
            t.armed = true;
            t.deadline = deadline;
            // Only a deadline before the thread's own next look needs it now: a woken thread often
            // takes the caller's core (a processor rearming its APIC timer), and one that is not
            // waiting rescans before it waits again.
            if (threadWaiting && (threadWakesAt == Long.MAX_VALUE || deadline - threadWakesAt < 0)) {
                wakeSignals++;
                threadWaiting = false; // it rescans once it has the lock back
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    void cancel(Timer t) {
        lock.lock();
        try {
            t.armed = false;
        } finally {
            lock.unlock();
        }
    }

    /** Fires every timer whose deadline has passed; returns how many fired. */
    int fireDue() {
        long now = clock.getAsLong();
        List<Timer> due;
        lock.lock();
        try {
            due = takeDue(now);
        } finally {
            lock.unlock();
        }
        fire(due, now);
        return due.size();
    }

    /** Starts the timer thread. */
    void start() {
        lock.lock();
        try {
            if (thread != null) {
                throw new IllegalStateException("platform timers already started");
            }
            running = true;
            thread = Thread.ofPlatform().name("jvisor-platform-timers").daemon().unstarted(this::run);
            thread.setPriority(Thread.MAX_PRIORITY);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the timer thread waits now, and how many times {@link #schedule} woke it: for tests. */
    boolean threadWaiting() {
        lock.lock();
        try {
            return threadWaiting;
        } finally {
            lock.unlock();
        }
    }

    long wakeSignals() {
        lock.lock();
        try {
            return wakeSignals;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the timer thread is running: for tests. */
    boolean threadAlive() {
        lock.lock();
        try {
            return thread != null && thread.isAlive();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the timer thread and waits for it to end. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            running = false;
            changed.signal();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (true) {
            long now;
            List<Timer> due;
            lock.lock();
            try {
                while (true) {
                    if (!running) {
                        return;
                    }
                    now = clock.getAsLong();
                    due = takeDue(now);
                    if (!due.isEmpty()) {
                        break;
                    }
                    long wait = nanosToNext(now);
                    threadWaiting = true;
                    threadWakesAt = wait == Long.MAX_VALUE ? Long.MAX_VALUE : now + wait;
                    try {
                        if (wait == Long.MAX_VALUE) {
                            changed.await();
                        } else {
                            changed.awaitNanos(wait);
                        }
                    } finally {
                        threadWaiting = false;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            fire(due, now);
        }
    }

    private List<Timer> takeDue(long now) {
        List<Timer> due = List.of();
        for (Timer t : timers) {
            if (t.armed && t.deadline - now <= 0) {
                if (due.isEmpty()) {
                    due = new ArrayList<>(2);
                }
                t.armed = false;
                due.add(t);
            }
        }
        return due;
    }

    private long nanosToNext(long now) {
        long wait = Long.MAX_VALUE;
        for (Timer t : timers) {
            if (t.armed) {
                wait = Math.min(wait, Math.max(1, t.deadline - now));
            }
        }
        return wait;
    }

    private static void fire(List<Timer> due, long now) {
        for (Timer t : due) {
            try {
                t.action.accept(now);
            } catch (RuntimeException e) {
                // A bug in a device's timer code: keep every other device's time running.
                LOG.log(System.Logger.Level.ERROR, "timer " + t.name + " failed", e);
            }
        }
    }
}
