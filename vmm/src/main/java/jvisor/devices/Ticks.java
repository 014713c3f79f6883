package jvisor.devices;

/** Conversions between elapsed nanoseconds and ticks of a fixed-rate counter, free of overflow. */
final class Ticks {
    static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Ticks() { }

    /** Ticks of a {@code hz} counter in {@code nanos >= 0}: floor(nanos * hz / 1e9). */
    static long count(long nanos, long hz) {
        return (nanos / NANOS_PER_SECOND) * hz + (nanos % NANOS_PER_SECOND) * hz / NANOS_PER_SECOND;
    }

    /** The first elapsed time at which {@link #count} reaches {@code ticks >= 0}. */
    static long nanosAt(long ticks, long hz) {
        return (ticks / hz) * NANOS_PER_SECOND + Math.ceilDiv((ticks % hz) * NANOS_PER_SECOND, hz);
    }
}
