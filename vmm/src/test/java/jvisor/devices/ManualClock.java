package jvisor.devices;

import java.util.ArrayList;
import java.util.List;

/** A device clock that moves only when a test advances it, firing due timers in deadline order. */
final class ManualClock implements DeviceClock {
    private final long wallClockAtStart;
    private final long monotonicAtStart;
    private final List<Timer> timers = new ArrayList<>();
    private long now;

    ManualClock(long wallClockAtStart) {
        this.wallClockAtStart = wallClockAtStart;
        // An arbitrary monotonic origin, as System.nanoTime() has one.
        this.monotonicAtStart = 5_000_000_000_000L;
        this.now = monotonicAtStart;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public long wallClockNanos() {
        return wallClockAtStart + (now - monotonicAtStart);
    }

    @Override
    public DeviceTimer newTimer(Runnable action) {
        Timer t = new Timer(action);
        timers.add(t);
        return t;
    }

    /** Moves time forward, running each timer whose deadline passes at its deadline. */
    void advance(long nanos) {
        long target = now + nanos;
        while (true) {
            Timer due = null;
            for (Timer t : timers) {
                if (t.armed && t.deadline <= target && (due == null || t.deadline < due.deadline)) {
                    due = t;
                }
            }
            if (due == null) {
                break;
            }
            now = Math.max(now, due.deadline);
            due.armed = false;
            due.action.run();
        }
        now = target;
    }

    void advanceMillis(long millis) {
        advance(millis * 1_000_000L);
    }

    /** Whether any timer is armed: a device that needs no wake-up should leave none. */
    boolean anyTimerArmed() {
        return timers.stream().anyMatch(t -> t.armed);
    }

    private static final class Timer implements DeviceTimer {
        private final Runnable action;
        private boolean armed;
        private long deadline;

        Timer(Runnable action) {
            this.action = action;
        }

        @Override
        public void arm(long deadline) {
            this.deadline = deadline;
            this.armed = true;
        }

        @Override
        public void disarm() {
            armed = false;
        }
    }
}
