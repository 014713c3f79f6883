package jvisor.engine;

/** One virtual processor. All methods except {@link #kick()} are called on the processor's own thread. */
public interface VirtualCpu {
    int index();

    /** Runs the guest until the VMM must act. Returns promptly with STOPPED after {@link #kick()}. */
    ExitReason run();

    /** The pending access after an {@link ExitReason#IO} exit. */
    IoExit io();

    /** The pending access after an {@link ExitReason#MMIO} exit. */
    MmioExit mmio();

    CpuState state();

    void setState(CpuState state);

    /**
     * From any thread: make the current or the next {@link #run()} return {@link ExitReason#STOPPED}
     * promptly, once. The main loop then decides whether to run the processor again.
     */
    void kick();

    /**
     * Sets breakpoints and single-stepping for a debugger (stops come back as
     * {@link ExitReason#DEBUG}); returns false where the engine cannot do what {@code debug} asks.
     */
    default boolean setGuestDebug(GuestDebug debug) {
        return !debug.active();
    }

    /**
     * After a {@link ExitReason#DEBUG} exit: the watchpoint of {@link #setGuestDebug} the processor
     * stopped after, or null if it stopped for a breakpoint or a step.
     */
    default GuestDebug.Watchpoint watchHit() {
        return null;
    }

    /** The engine's own account of the last exit, for panic messages. */
    String describeExit();

    /** What the engine counts about this processor for {@code --stats}; empty if nothing. */
    default String engineStats() {
        return "";
    }
}
