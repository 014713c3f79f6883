package jvisor.devices.virtio;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread that serves one virtqueue, off the processor threads: woken by the driver's
 * notification, it drains the queue, then re-arms notification and sleeps. A device may instead
 * have the notifying thread serve the queue when the worker is idle ({@link #serveOrWake}). One loop shape for
 * every device ("do a unit of work, then idle"). A malformed queue ends the worker and fails the
 * device.
 */
public final class QueueWorker {
    /** Serves the chains of a queue until {@link Virtqueue#pop} finds none. */
    @FunctionalInterface
    public interface Drain {
        void drain(Virtqueue queue, DescriptorChain chain) throws VirtqueueException;

        /** When (System.nanoTime) {@link #flush} is owed, e.g. a deferred interrupt; 0 if nothing is. */
        default long flushDeadline() {
            return 0;
        }

        /** Does what was deferred; called by the worker once its deadline passed and the queue is empty. */
        default void flush() { }
    }

    private final Virtqueue queue;
    private final VirtioContext context;
    private final Drain drain;
    private final AtomicBoolean notified = new AtomicBoolean(true);
    private final Thread thread;
    /** Held by whoever serves the queue: the worker, or a notifying thread in {@link #serveOrWake}. */
    private final ReentrantLock serving = new ReentrantLock();
    /** Guarded by {@link #serving}: the chain the current server fills. */
    private final DescriptorChain chain;
    /**
     * Guarded by {@link #serving}: until when (System.nanoTime) the worker sleeps once it lets go
     * of the lock: {@link #AWAKE} if it will look again at once, {@link #ASLEEP} if only a wake
     * ends its sleep.
     */
    private long workerSleepsUntil = AWAKE;
    private static final long AWAKE = Long.MIN_VALUE;
    private static final long ASLEEP = Long.MAX_VALUE;
    private volatile boolean running = true;

    public QueueWorker(String name, Virtqueue queue, VirtioContext context, Drain drain) {
        this.queue = queue;
        this.context = context;
        this.drain = drain;
        this.chain = queue.newChain();
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    }

    public QueueWorker start() {
        thread.start();
        return this;
    }

    /** The driver notified the queue. Cheap: an unpark only when the worker may be asleep. */
    public void wake() {
        if (!notified.getAndSet(true)) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * The driver notified the queue: serves it on the calling thread (a processor's) when no one
     * else is serving it, else wakes the worker. Serving at once saves the wake-up of another
     * thread, which costs tens of microseconds on an idle host and milliseconds on a loaded one,
     * and a reply the backend gives at once (a ping's, an ARP reply) is pending for the processor
     * before it returns to the guest. The caller drains once; chains that arrive after that (from
     * another processor) are the worker's, so no processor is kept here. What the drain defers
     * (its {@link Drain#flushDeadline}) stays the worker's, woken only if it would sleep past it.
     */
    public void serveOrWake() {
        if (!serving.tryLock()) {
            wake();
            return;
        }
        boolean wakeWorker;
        try {
            if (!running) {
                return;
            }
            queue.suppressNotification();
            drain.drain(queue, chain);
            boolean more = !queue.armNotification();
            long due = drain.flushDeadline();
            wakeWorker = more || due != 0 && (workerSleepsUntil == ASLEEP
                    || workerSleepsUntil != AWAKE && due - workerSleepsUntil < 0);
        } catch (VirtqueueException e) {
            running = false;
            context.fail(e.getMessage());
            LockSupport.unpark(thread);
            return;
        } finally {
            serving.unlock();
        }
        if (wakeWorker) {
            wake();
        }
    }

    /** Stops the worker and waits for it: no chain of this queue is being served afterwards. */
    public void stop() {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            serving.lock();                     // a notifying thread may still be serving
            serving.unlock();
        }
    }

    /** Drains the queue until it stays empty with notification armed; the caller holds {@link #serving}. */
    private void serve() throws VirtqueueException {
        queue.suppressNotification();
        do {
            drain.drain(queue, chain);
        } while (running && !queue.armNotification());
    }

    private void loop() {
        try {
            while (running) {
                boolean work = notified.getAndSet(false);
                long due;
                serving.lock();
                try {
                    if (work && running) {
                        serve();
                    }
                    due = drain.flushDeadline();
                    if (due != 0 && due - System.nanoTime() <= 0) {
                        drain.flush();
                        due = 0;
                    }
                    workerSleepsUntil = work ? AWAKE : due == 0 ? ASLEEP : due;
                } finally {
                    serving.unlock();
                }
                // Also when a wake came meanwhile: a lock taken while serving or flushing (the
                // backend's, a processor's interrupt controller's) may have used up its unpark.
                if (work || notified.get()) {
                    continue;
                }
                if (due == 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, due - System.nanoTime());
                }
            }
        } catch (VirtqueueException e) {
            context.fail(e.getMessage());
        }
    }
}
