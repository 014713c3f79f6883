package jvisor.devices.virtio;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread that serves one virtqueue, off the processor threads: woken by the driver's
 * notification, it drains the queue, then re-arms notification and sleeps. One loop shape for
 * every device ("do a unit of work, then idle"). A malformed queue ends the worker and fails the
 * device. A device may instead have an idle queue served on the notifying processor's thread
 * ({@link #serveHereOrWake}); one lock keeps the two from serving at once.
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
    /** Held while the queue is drained or flushed, by the worker or by a processor serving it itself. */
    private final ReentrantLock serving = new ReentrantLock();
    /** The processors' chain: the worker's own is used by its thread without the lock between drains. */
    private final DescriptorChain callerChain;
    private final Thread thread;
    private volatile boolean running = true;

    public QueueWorker(String name, Virtqueue queue, VirtioContext context, Drain drain) {
        this.queue = queue;
        this.context = context;
        this.drain = drain;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
        this.callerChain = queue.newChain();
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
     * The driver notified the queue, on the notifying processor's thread: if the worker is idle and
     * the drain has nothing deferred, the queue is served right here, else the worker is woken.
     * Served here, the first frame after a quiet spell (a ping) costs no thread wake-up, neither
     * the worker's nor, as a reply is then delivered before the processor can halt, the
     * processor's; a busy queue stays with the worker, so a burst is served off the processor.
     */
    public void serveHereOrWake() {
        if (notified.get() || !serving.tryLock()) {
            wake();
            return;
        }
        boolean deferred;
        try {
            if (!running || drain.flushDeadline() != 0) {
                deferred = true;
            } else {
                queue.suppressNotification();
                do {
                    drain.drain(queue, callerChain);
                } while (running && !queue.armNotification());
                deferred = drain.flushDeadline() != 0;
            }
        } catch (VirtqueueException e) {
            context.fail(e.getMessage());
            return;
        } finally {
            serving.unlock();
        }
        if (deferred) {
            wake();     // the worker keeps the time of what was deferred (or serves what we left)
        }
    }

    /** Stops the worker and waits for it: no chain of this queue is being served afterwards. */
    public void stop() {
        running = false;
        LockSupport.unpark(thread);
        serving.lock();     // a processor serving the queue itself finishes first
        serving.unlock();
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
        }
    }

    private void loop() {
        DescriptorChain chain = queue.newChain();
        try {
            while (running) {
                long due;
                serving.lock();
                try {
                    due = drain.flushDeadline();
                    if (due != 0 && due - System.nanoTime() <= 0) {
                        drain.flush();
                        due = 0;
                    }
                } finally {
                    serving.unlock();
                }
                if (!notified.getAndSet(false)) {
                    if (due == 0) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, due - System.nanoTime());
                    }
                    continue;
                }
                serving.lock();
                try {
                    queue.suppressNotification();
                    do {
                        drain.drain(queue, chain);
                    } while (running && !queue.armNotification());
                } finally {
                    serving.unlock();
                }
            }
        } catch (VirtqueueException e) {
            context.fail(e.getMessage());
        }
    }
}
