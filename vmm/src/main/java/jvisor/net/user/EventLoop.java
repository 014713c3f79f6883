package jvisor.net.user;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The stack's one thread: waits on every host socket with one selector and runs the timers.
 * Everything it calls runs under the stack's lock, which the device's TX thread also takes in
 * {@code transmit}; so the stack's state has one owner at a time and needs no other locking.
 *
 * <p>One selector thread rather than a virtual thread per connection: the stack's state (the
 * connection table, the guest link, the timers) is shared by every connection, so per-connection
 * threads would all contend for the same lock anyway, and interest in readiness maps directly
 * onto TCP flow control (no read while the guest's window is full, write interest while the host
 * socket is).
 */
final class EventLoop {
    /** What a registered channel does when the selector finds it ready; called under the lock. */
    interface Handler {
        void ready(SelectionKey key);
    }

    /** Work done under the lock after every wake-up: due timers, a guest that took frames again. */
    interface Tick {
        /** {@code timersDue}: a deadline passed, so timers must be checked (and scheduled again). */
        void run(long now, boolean timersDue);
    }

    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final Selector selector;
    private final ReentrantLock lock;
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private Tick tick = (now, due) -> { };
    private Thread thread;
    private volatile boolean running = true;
    private long nextDeadline = NO_DEADLINE;
    private boolean wakeupNeeded;
    private Consumer<RuntimeException> bugs = e -> { throw e; };

    EventLoop(ReentrantLock lock) {
        this.lock = lock;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    /** What the loop does when a handler or the tick throws: the stack counts it and goes on. */
    void onBug(Consumer<RuntimeException> handler) {
        bugs = handler;
    }

    void start(Tick work, String name) {
        tick = work;
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws IOException {
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, ops, handler);
        wakeIfElsewhere();
        return key;
    }

    /** Sets a key's interest; a change made off the loop thread wakes the loop so its select sees it. */
    void interest(SelectionKey key, int ops) {
        if (key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
            wakeIfElsewhere();
        }
    }

    /**
     * A registered channel was closed: NIO finishes the close (the descriptor, and for a socket
     * with SO_LINGER 0 the reset its peer sees) only in the selector's next selection, so an idle
     * loop must be woken for it. The caller holds the lock.
     */
    void closedChannel() {
        wakeIfElsewhere();
    }

    /** Asks for the tick to run by {@code deadline} (System.nanoTime). */
    void schedule(long deadline) {
        if (deadline < nextDeadline) {
            nextDeadline = deadline;
            wakeIfElsewhere();
        }
    }

    /** Wakes the loop now, from any thread, without the lock. */
    void wakeup() {
        selector.wakeup();
    }

    /**
     * Whether another thread changed what the loop waits for since the last call; the caller holds
     * the lock and, if true, calls {@link #wakeup} after releasing it.
     */
    boolean takeWakeupNeeded() {
        boolean wake = wakeupNeeded;
        wakeupNeeded = false;
        return wake;
    }

    /** Marks a wake-up as needed; the caller holds the lock. */
    private void wakeIfElsewhere() {
        if (Thread.currentThread() != thread) {
            wakeupNeeded = true;
        }
    }

    boolean onLoopThread() {
        return Thread.currentThread() == thread;
    }

    Thread thread() {
        return thread;
    }

    private void run() {
        long timeoutMillis = 0;
        while (running) {
            try {
                selector.select(dispatch, timeoutMillis);
            } catch (IOException e) {
                throw new UncheckedIOException("selector failed", e);
            } catch (ClosedSelectorException e) {
                return;
            }
            lock.lock();
            try {
                long now = System.nanoTime();
                boolean due = now >= nextDeadline;
                if (due) {
                    nextDeadline = NO_DEADLINE;
                }
                tick.run(now, due);
                wakeupNeeded = false;
                timeoutMillis = nextDeadline == NO_DEADLINE ? 0
                        : Math.max(1, (nextDeadline - System.nanoTime() + 999_999) / 1_000_000);
            } catch (RuntimeException e) {
                bugs.accept(e);
            } finally {
                lock.unlock();
            }
        }
    }

    private void dispatch(SelectionKey key) {
        lock.lock();
        try {
            if (key.isValid()) {
                ((Handler) key.attachment()).ready(key);
            }
        } catch (RuntimeException e) {
            bugs.accept(e);
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread and closes the selector (and with it every key). */
    void close() {
        running = false;
        selector.wakeup();
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // Closing releases the epoll descriptor; nothing is left to do if that fails.
        }
    }
}
