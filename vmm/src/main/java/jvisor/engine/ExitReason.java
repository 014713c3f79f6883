package jvisor.engine;

/**
 * Why {@link VirtualCpu#run()} returned. A closed set: the main loop switches on it exhaustively,
 * so a new kind of exit does not compile until the loop handles it.
 */
public enum ExitReason {
    /** Port I/O the engine did not deliver itself; details in {@link VirtualCpu#io()}. */
    IO,
    /** An access to guest-physical memory that is not RAM; details in {@link VirtualCpu#mmio()}. */
    MMIO,
    /** The processor halted and the engine does not wait for interrupts itself. */
    HLT,
    /** Triple fault: the processor shut down. */
    SHUTDOWN,
    /** The hardware refused to enter the guest (invalid guest state). */
    FAIL_ENTRY,
    /** The engine could not handle something the guest did (e.g. an emulation failure). */
    INTERNAL_ERROR,
    /** The platform asked to power off. */
    POWER_OFF,
    /** The platform asked to reset. */
    RESET,
    /** Another platform event the VMM does not handle. */
    SYSTEM_EVENT,
    /**
     * The guest executed VMCALL or VMMCALL (BitVisor's vmmcall; on kvm KVM_EXIT_XEN's hypercall
     * intercept): the VMM reads the arguments ({@link VirtualCpu#state()}) and answers with
     * {@link VirtualCpu#answerHypercall}, which also leaves RIP past the instruction.
     */
    HYPERCALL,
    /** A breakpoint or a single step the debugger asked for ({@link VirtualCpu#setGuestDebug}). */
    DEBUG,
    /** {@link VirtualCpu#kick()} was called: the VMM wants control back. */
    STOPPED,
    /** The engine returned an exit jvisor has no handling for; details in {@link VirtualCpu#describeExit()}. */
    UNHANDLED
}
