package jvisor.devices;

/**
 * A one-shot timer of a {@link DeviceClock}. Its action must be safe to run late or spuriously:
 * devices re-evaluate their state from the clock when it runs instead of trusting the deadline.
 */
public interface DeviceTimer {
    /** Runs the action once at or after {@code deadline} ({@link DeviceClock#nanoTime()}); replaces any earlier deadline. */
    void arm(long deadline);

    /** Cancels the pending deadline, if any. */
    void disarm();
}
