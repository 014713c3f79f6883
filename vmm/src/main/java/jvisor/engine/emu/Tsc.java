package jvisor.engine.emu;

import java.util.function.LongSupplier;

/**
 * The emulated time-stamp counter: one per VM, shared by every processor (so it is synchronized
 * across processors), running at a fixed rate derived from the host's monotonic clock. Guests
 * learn the rate from CPUID leaves 0x15/0x16 or by calibrating against the PIT or PM timer.
 *
 * <p>IA32_TSC_ADJUST (SDM vol. 3, 17.17.3) is kept here too, one for the VM rather than one per
 * processor, because the counter itself is shared: a write to the TSC adds the change to it, and a
 * write to it moves the TSC by the same amount. Advertising it, with the invariant TSC, is what
 * lets Linux trust the TSC without its clocksource watchdog, as on current Intel processors.
 */
public final class Tsc {
    /** The advertised TSC rate. One tick per nanosecond keeps conversions exact. */
    public static final long HZ = 1_000_000_000L;

    private final LongSupplier hostClock;
    private final long originNanos;
    private volatile long offset;
    private volatile long adjust;

    public Tsc() {
        this(System::nanoTime);
    }

    /**
     * A counter driven by {@code hostClock} (monotonic nanoseconds). The platform's timers read
     * the same clock, so tests that advance it by hand move the TSC and every timer together.
     */
    public Tsc(LongSupplier hostClock) {
        this.hostClock = hostClock;
        this.originNanos = hostClock.getAsLong();
    }

    /** The host clock the counter runs on, in nanoseconds. */
    public long hostNanos() {
        return hostClock.getAsLong();
    }

    /** The current TSC value. */
    public long now() {
        return hostClock.getAsLong() - originNanos + offset;
    }

    /** WRMSR IA32_TSC: the counter continues from {@code value}; IA32_TSC_ADJUST takes the change. */
    public synchronized void set(long value) {
        long elapsed = hostClock.getAsLong() - originNanos;
        adjust += value - (elapsed + offset);
        offset = value - elapsed;
    }

    /** RDMSR IA32_TSC_ADJUST. */
    public long adjust() {
        return adjust;
    }

    /** WRMSR IA32_TSC_ADJUST: the counter moves by the change. */
    public synchronized void setAdjust(long value) {
        offset += value - adjust;
        adjust = value;
    }

    /** Host nanoseconds until the counter reaches {@code value} (negative if passed). */
    public long nanosUntil(long value) {
        return value - now();
    }
}
