package jvisor.devices.virtio;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that serves one virtqueue, off the processor threads: woken by the driver's
 * notification, it drains the queue, then re-arms notification and sleeps. One loop shape for
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
    private volatile boolean running = true;

    public QueueWorker(String name, Virtqueue queue, VirtioContext context, Drain drain) {
        this.queue = queue;
        this.context = context;
        this.drain = drain;
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
        }
    }

    private void loop() {
        DescriptorChain chain = queue.newChain();
        try {
            while (running) {
                long due = drain.flushDeadline();
                if (due != 0 && due - System.nanoTime() <= 0) {
                    drain.flush();
                    due = 0;
                }
                if (!notified.getAndSet(false)) {
                    if (due == 0) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, due - System.nanoTime());
                    }
                    continue;
                }
                queue.suppressNotification();
                do {
                    drain.drain(queue, chain);
                } while (running && !queue.armNotification());
            }
        } catch (VirtqueueException e) {
            context.fail(e.getMessage());
        }
    }
}
