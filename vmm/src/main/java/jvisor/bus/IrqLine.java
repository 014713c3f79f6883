package jvisor.bus;

/** An interrupt line from a device to the platform's interrupt controllers. */
@FunctionalInterface
public interface IrqLine {
    /** A line connected to nothing. */
    IrqLine NONE = asserted -> { };

    /** Drives the line: true while the device requests an interrupt. */
    void set(boolean asserted);

    /** An edge: assert, then release. */
    default void pulse() {
        set(true);
        set(false);
    }
}
