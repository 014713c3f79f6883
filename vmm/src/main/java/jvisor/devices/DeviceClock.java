package jvisor.devices;

/**
 * Time as devices see it: a monotonic clock, the host's wall clock, and one-shot timers. At run
 * time it is the host's clocks and a scheduler thread ({@link SystemDeviceClock}); tests drive a
 * manual clock, so timer behaviour is checked without waiting.
 */
public interface DeviceClock {
    /** Monotonic nanoseconds, the time base of every deadline. */
    long nanoTime();

    /** The host's wall clock: nanoseconds since 1970-01-01T00:00Z. */
    long wallClockNanos();

    /** A timer that runs {@code action} on the clock's thread when its deadline passes. */
    DeviceTimer newTimer(Runnable action);
}
