package jvisor.engine.emu;

import java.util.function.LongSupplier;

/**
 * The emulated time-stamp counter: one per VM, shared by every processor (so it is synchronized
 * across processors), running at a fixed rate derived from the host's monotonic clock. Guests
 * learn the rate from CPUID leaves 0x15/0x16 or by calibrating against the PIT or PM timer.
 */
public final class Tsc {
    /** The advertised TSC rate. One tick per nanosecond keeps conversions exact. */
    public static final long HZ = 1_000_000_000L;

    private final LongSupplier hostClock;
    private final long originNanos;
    private volatile long offset;

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

    /** WRMSR IA32_TSC: the counter continues from {@code value}. */
    public void set(long value) {
        offset = value - (hostClock.getAsLong() - originNanos);
    }

    /** Host nanoseconds until the counter reaches {@code value} (negative if passed). */
    public long nanosUntil(long value) {
        return value - now();
    }
}
