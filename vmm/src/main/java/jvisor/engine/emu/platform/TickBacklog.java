package jvisor.engine.emu.platform;

/**
 * The ticks of a periodic timer that the guest has not taken yet: KVM's "reinject" mode for its
 * in-kernel PIT. An emulated processor takes interrupts late (only between blocks, after
 * interrupts-disabled stretches that run many times slower than native, after JIT and GC pauses),
 * and a second edge that arrives before the first was taken merges with it in the interrupt
 * controller. A guest that counts ticks (Linux's jiffies while the PIT or a periodic local APIC
 * timer is its tick) would fall behind the host. So every elapsed period is counted here, and only
 * one tick is outstanding at a time: the next is raised when the guest acknowledges the previous
 * one, and the count catches up with the host.
 *
 * <p>The backlog is capped at one second of periods (and {@link #MAX_TICKS}), so a guest that
 * ignores its timer for minutes gets a short burst, not a storm. A tick the guest has not
 * acknowledged within {@link #ACK_TIMEOUT_NANOS} is taken as lost (its delivery failed, or the
 * guest went elsewhere) and the next one is raised regardless. Not thread-safe: the owning device
 * locks it.
 */
final class TickBacklog {
    /** The most ticks ever owed, whatever the period. */
    static final long MAX_TICKS = 1_000;
    /** How much time the owed ticks may cover. */
    static final long MAX_BACKLOG_NANOS = 1_000_000_000L;
    /** After this long without an acknowledge the tick in flight is taken as lost. */
    static final long ACK_TIMEOUT_NANOS = 1_000_000_000L;

    private long limit = 1;
    private long owed;
    private boolean inFlight;
    private long raisedAt;

    /** A new period (host nanoseconds): forgets what was owed and sets the cap for that period. */
    void restart(long periodNanos) {
        owed = 0;
        inFlight = false;
        long period = Math.max(1, periodNanos);
        limit = Math.clamp((MAX_BACKLOG_NANOS + period - 1) / period, 1, MAX_TICKS);
    }

    /** Forgets what is owed and what is in flight (the line was masked, or the timer stopped). */
    void clear() {
        owed = 0;
        inFlight = false;
    }

    /** {@code periods} more periods ended at {@code now}: true if a tick should be raised now. */
    boolean elapsed(long periods, long now) {
        owed = Math.min(limit, owed + periods);
        return raiseIfIdle(now);
    }

    /** The guest took the tick in flight at {@code now}: true if the next one should be raised now. */
    boolean acknowledged(long now) {
        inFlight = false;
        return raiseIfIdle(now);
    }

    /** Ticks owed and not yet raised. */
    long owed() {
        return owed;
    }

    boolean inFlight() {
        return inFlight;
    }

    private boolean raiseIfIdle(long now) {
        if (owed == 0 || inFlight && now - raisedAt < ACK_TIMEOUT_NANOS) {
            return false;
        }
        owed--;
        inFlight = true;
        raisedAt = now;
        return true;
    }
}
