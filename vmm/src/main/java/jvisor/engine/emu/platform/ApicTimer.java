package jvisor.engine.emu.platform;

import jvisor.engine.emu.Tsc;

/**
 * A local APIC's timer (SDM vol. 3, 10.5.4): one-shot and periodic count-down at
 * {@link LocalApic#TIMER_HZ} through the divide configuration register, or TSC-deadline mode.
 * Counts are computed from the platform clock when read, never ticked. Only state and arithmetic:
 * the owning {@link LocalApic} locks and arms the platform timer at {@link #expiry()}.
 *
 * <p>A periodic timer reinjects like the PIT (see {@link TickBacklog}): periods that end before
 * the processor has taken the previous interrupt are owed and raised one by one as it takes each.
 */
final class ApicTimer {
    /** The LVT timer's mode field (bits 18:17). */
    enum Mode {
        ONE_SHOT, PERIODIC, TSC_DEADLINE;

        static Mode of(int lvtTimer) {
            return switch ((lvtTimer >>> 17) & 3) {
                case 1 -> PERIODIC;
                case 2 -> TSC_DEADLINE;
                default -> ONE_SHOT; // 3 is reserved
            };
        }
    }

    /**
     * A periodic timer interrupts at most this often (host nanoseconds) however short the guest
     * makes the period; the count the guest reads still follows the programmed period.
     */
    static final long MIN_PERIOD_NANOS = 50_000;

    private final Tsc tsc;
    private Mode mode = Mode.ONE_SHOT;
    private int divideRegister;
    private long divisor = 2;
    private long initialCount;
    private boolean counting;
    private long startNanos;
    private long startCount;
    private long tscDeadline;
    private boolean armed;
    private long expiry;
    private final TickBacklog backlog = new TickBacklog();

    ApicTimer(Tsc tsc) {
        this.tsc = tsc;
    }

    /** Power-up state: one-shot, divide by 2, stopped. */
    void reset() {
        mode = Mode.ONE_SHOT;
        divideRegister = 0;
        divisor = 2;
        stop();
    }

    /**
     * A write of the LVT timer entry's mode at {@code now}. Entering or leaving TSC-deadline mode
     * disarms the timer (SDM 10.5.4.1); between one-shot and periodic the count goes on from where
     * it is, as on KVM: a running one-shot count wraps to the initial count once it turns periodic,
     * a periodic one stops at zero once it turns one-shot, and a count at zero stays there.
     */
    void setMode(Mode newMode, long now) {
        if (newMode == mode) {
            return;
        }
        if (mode == Mode.TSC_DEADLINE || newMode == Mode.TSC_DEADLINE) {
            mode = newMode;
            stop();
            return;
        }
        long current = currentCount(now);
        mode = newMode;
        if (current == 0) {
            counting = false;
            armed = false;
            backlog.clear();
            return;
        }
        startCount = current;
        startNanos = now;
        armed = true;
        expiry = now + current * divisor;
    }

    Mode mode() {
        return mode;
    }

    int divideRegister() {
        return divideRegister;
    }

    /** Bits 0, 1 and 3 select the divisor: 0b111 divides by 1, otherwise by 2^(value + 1). */
    void setDivide(int value, long now) {
        long current = currentCount(now);
        divideRegister = value & 0xB;
        int code = (divideRegister & 3) | ((divideRegister >>> 1) & 4);
        divisor = code == 7 ? 1 : 2L << code;
        if (counting && current > 0) {
            // The count carries on from where it is at the new rate.
            startCount = current;
            startNanos = now;
            expiry = startNanos + startCount * divisor;
            armed = true;
        }
    }

    long initialCount() {
        return mode == Mode.TSC_DEADLINE ? 0 : initialCount;
    }

    /** A write to the initial count register: starts counting, or stops the timer with 0. */
    void setInitialCount(long count, long now) {
        if (mode == Mode.TSC_DEADLINE) {
            return; // ignored in TSC-deadline mode
        }
        stop();
        initialCount = count & 0xFFFF_FFFFL;
        if (initialCount != 0) {
            counting = true;
            startNanos = now;
            startCount = initialCount;
            armed = true;
            expiry = now + initialCount * divisor;
            backlog.restart(initialCount * divisor);
        }
    }

    long currentCount(long now) {
        if (!counting || mode == Mode.TSC_DEADLINE) {
            return 0;
        }
        long elapsed = Math.max(0, now - startNanos) / divisor;
        if (elapsed < startCount) {
            return startCount - elapsed;
        }
        return mode == Mode.PERIODIC ? initialCount - (elapsed - startCount) % initialCount : 0;
    }

    long tscDeadline() {
        return mode == Mode.TSC_DEADLINE ? tscDeadline : 0;
    }

    /** WRMSR IA32_TSC_DEADLINE: ignored outside TSC-deadline mode, disarms with 0. */
    void setTscDeadline(long value, long now) {
        if (mode != Mode.TSC_DEADLINE) {
            return;
        }
        tscDeadline = value;
        armed = false;
        if (value != 0) {
            armAtTsc(now);
        }
    }

    boolean armed() {
        return armed;
    }

    /** When the timer next needs attention (platform nanoseconds); valid while {@link #armed()}. */
    long expiry() {
        return expiry;
    }

    /**
     * The platform timer went off at {@code now}: how many of the timer's periods have ended since
     * it last went off (0 if none; 1 for one-shot and TSC-deadline). Moves a periodic timer to its
     * next period and disarms the others. Periods shorter than the host rate limit count as one.
     */
    long expire(long now) {
        if (!armed || now - expiry < 0) {
            return 0;
        }
        switch (mode) {
            case ONE_SHOT -> {
                armed = false;
                counting = false;
            }
            case PERIODIC -> {
                long period = initialCount * divisor;
                long ended = period >= MIN_PERIOD_NANOS ? 1 + (now - expiry) / period : 1;
                expiry = nextPeriod(now);
                return ended;
            }
            case TSC_DEADLINE -> {
                if (Long.compareUnsigned(tsc.now(), tscDeadline) < 0) {
                    armAtTsc(now); // the guest moved the TSC back: not yet
                    return 0;
                }
                armed = false;
                tscDeadline = 0;
            }
        }
        return 1;
    }

    /**
     * {@code periods} periods ended at {@code now} with the LVT entry unmasked: true if the timer
     * raises its interrupt now. A periodic timer raises one at a time and owes the rest.
     */
    boolean raiseAfter(long periods, long now) {
        if (!reinjects()) {
            return true;
        }
        return backlog.elapsed(periods, now);
    }

    /** The processor took the timer's interrupt at {@code now}: true if an owed one is raised now. */
    boolean taken(long now) {
        return reinjects() && backlog.acknowledged(now);
    }

    /** The LVT entry is masked: interrupts owed are dropped, as the hardware drops masked ones. */
    void forgetOwed() {
        backlog.clear();
    }

    /** Periodic interrupts owed and not yet raised: for tests. */
    long owed() {
        return backlog.owed();
    }

    private boolean reinjects() {
        return mode == Mode.PERIODIC && initialCount * divisor >= MIN_PERIOD_NANOS;
    }

    private long nextPeriod(long now) {
        long period = initialCount * divisor;
        long first = startNanos + startCount * divisor;
        long after = period >= MIN_PERIOD_NANOS ? now : now + MIN_PERIOD_NANOS - 1;
        if (after < first) {
            return first;
        }
        return first + ((after - first) / period + 1) * period;
    }

    private void armAtTsc(long now) {
        long wait = tsc.nanosUntil(tscDeadline);
        if (wait > Long.MAX_VALUE / 4) {
            return; // centuries away (or an unsigned value past 2^63): never in practice
        }
        armed = true;
        expiry = now + Math.max(0, wait);
    }

    private void stop() {
        counting = false;
        initialCount = 0;
        tscDeadline = 0;
        armed = false;
        backlog.clear();
    }
}
