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
     * Answers the hypercall of the last {@link ExitReason#HYPERCALL} exit with {@code rax}. Where
     * the engine has already moved RIP past the instruction (emu) this writes RAX; kvm hands the
     * value to KVM, which writes it and moves RIP when it completes the call on the next run.
     */
    default void answerHypercall(long rax) {
        CpuState s = state();
        long[] gprs = s.regs().toArray();
        gprs[0] = rax;
        setState(s.withRegs(GeneralRegisters.fromArray(gprs, s.regs().rip(), s.regs().rflags())));
    }

    /** Why the last {@link ExitReason#DEBUG} exit stopped; null where the engine does not tell. */
    default DebugStop debugStop() {
        return null;
    }

    /** The engine's own account of the last exit, for panic messages. */
    String describeExit();

    /** What the engine counts about this processor for {@code --stats}; empty if nothing. */
    default String engineStats() {
        return "";
    }
}
