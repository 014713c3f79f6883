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
                if (!notified.getAndSet(false)) {
                    LockSupport.park(this);
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
