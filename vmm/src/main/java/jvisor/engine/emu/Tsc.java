package jvisor.engine.emu;

/**
 * The emulated time-stamp counter: one per VM, shared by every processor (so it is synchronized
 * across processors), running at a fixed rate derived from the host's monotonic clock. Guests
 * learn the rate from CPUID leaves 0x15/0x16 or by calibrating against the PIT or PM timer.
 */
public final class Tsc {
    /** The advertised TSC rate. One tick per nanosecond keeps conversions exact. */
    public static final long HZ = 1_000_000_000L;

    private final long originNanos = System.nanoTime();
    private volatile long offset;

    /** The current TSC value. */
    public long now() {
        return System.nanoTime() - originNanos + offset;
    }

    /** WRMSR IA32_TSC: the counter continues from {@code value}. */
    public void set(long value) {
        offset = value - (System.nanoTime() - originNanos);
    }

    /** Host nanoseconds until the counter reaches {@code value} (negative if passed). */
    public long nanosUntil(long value) {
        return value - now();
    }
}
