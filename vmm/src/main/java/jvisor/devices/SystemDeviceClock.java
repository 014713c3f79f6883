package jvisor.devices;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The host's clocks and one scheduler thread for a device's timers. The thread is started by the
 * first armed timer, so a device whose guest never enables its interrupts costs no thread, and it
 * is stopped by {@link #close()} at teardown.
 */
public final class SystemDeviceClock implements DeviceClock, AutoCloseable {
    private final String threadName;
    private final PrintStream log;
    private ScheduledThreadPoolExecutor scheduler;
    private boolean closed;

    public SystemDeviceClock(String threadName, PrintStream log) {
        this.threadName = threadName;
        this.log = log;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * Ticks.NANOS_PER_SECOND + now.getNano();
    }

    @Override
    public DeviceTimer newTimer(Runnable action) {
        return new Timer(action);
    }

    private synchronized ScheduledThreadPoolExecutor scheduler() {
        if (scheduler == null && !closed) {
            scheduler = new ScheduledThreadPoolExecutor(1, task -> {
                Thread t = new Thread(task, threadName);
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
        }
        return scheduler;
    }

    @Override
    public void close() throws InterruptedException {
        ScheduledThreadPoolExecutor s;
        synchronized (this) {
            closed = true;
            s = scheduler;
        }
        if (s != null) {
            s.shutdownNow();
            s.awaitTermination(1, TimeUnit.SECONDS);
        }
    }

    private final class Timer implements DeviceTimer {
        private final Runnable action;
        private ScheduledFuture<?> pending;

        Timer(Runnable action) {
            this.action = action;
        }

        @Override
        public synchronized void arm(long deadline) {
            disarm();
            ScheduledThreadPoolExecutor s = scheduler();
            if (s == null) {
                return;
            }
            try {
                pending = s.schedule(this::fire, Math.max(0, deadline - nanoTime()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                pending = null;
            }
        }

        @Override
        public synchronized void disarm() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }

        private void fire() {
            try {
                action.run();
            } catch (RuntimeException bug) {
                // A device's timer failing is a jvisor bug; say so instead of dying silently in the pool.
                synchronized (log) {
                    log.println("jvisor: " + threadName + " failed: " + bug);
                    bug.printStackTrace(log);
                }
            }
        }
    }
}
