package jvisor.engine.emu;

/**
 * The contract between one emulated processor and its local interrupt controller (the local
 * APIC, with the 8259 PIC behind LINT0 and NMIs behind LINT1). The processor polls
 * {@link #hasEvents()} between blocks; everything else is called only when that returns true or
 * when the processor touches the APIC's registers. Implementations are thread-safe: devices,
 * timers and other processors post events from their own threads.
 */
public interface LocalInterrupts {
    /** Cheap (one volatile read): is an interrupt, NMI, INIT or SIPI possibly waiting? */
    boolean hasEvents();

    /**
     * {@link #hasEvents()} for a processor that can take maskable interrupts ({@code maskable},
     * RFLAGS.IF = 1) or cannot: then only an NMI, INIT or SIPI counts, so a pending PIC or APIC
     * interrupt the guest keeps disabled (a BIOS timer tick under {@code cli}) does not stop it
     * after every block.
     */
    default boolean hasEvents(boolean maskable) {
        return hasEvents();
    }

    /**
     * The vector of the highest-priority maskable interrupt that may be delivered now (above the
     * processor priority; from the PIC through LINT0 in ExtINT mode), or -1. Called only while
     * RFLAGS.IF = 1 and outside an interrupt shadow. Does not change state.
     */
    int pendingInterrupt();

    /**
     * The processor takes {@code vector}, just returned by {@link #pendingInterrupt()} on the same
     * thread: IRR to ISR, or the PICs' interrupt acknowledge when the vector came from them.
     */
    void acknowledge(int vector);

    /** Takes a pending NMI, if any: the processor blocks NMIs until {@link #nmiHandlerDone()}. */
    boolean takeNmi();

    /** The processor's IRET ended the NMI handler: NMIs are no longer blocked. */
    default void nmiHandlerDone() { }

    /**
     * Takes a pending INIT, if any: the processor resets (the local APIC has already reset
     * itself). An AP then waits for SIPI; the BSP (IA32_APIC_BASE bit 8) restarts at the reset
     * vector. Check it before {@link #takeSipi()}: INIT and SIPI may both be pending.
     */
    boolean takeInit();

    /**
     * Takes a pending startup IPI: its vector (the processor starts at vector * 4096 in real mode),
     * or -1. Only a processor waiting for SIPI gets one (APs from power-up and after INIT);
     * SIPIs that reach a running processor are ignored, as the SDM says.
     */
    int takeSipi();

    /**
     * Blocks the calling processor thread (halted, or waiting for SIPI) until an event may be
     * pending or {@link #wake()} is called. Returns at once if {@link #hasEvents()} is true.
     * Returns early, with the thread's interrupt status still set, if the thread is interrupted.
     */
    void awaitEvent();

    /**
     * {@link #awaitEvent()} for a processor halted with RFLAGS.IF = 0 ({@code maskable} false):
     * only an NMI, INIT, SIPI or {@link #wake()} ends the wait, so {@code cli; hlt} sleeps
     * instead of spinning on an interrupt it cannot take.
     */
    default void awaitEvent(boolean maskable) {
        awaitEvent();
    }

    /**
     * Ends an {@link #awaitEvent()} early: the VMM wants the processor back. A wake that comes
     * while the processor is not waiting ends its next wait at once (like a thread's park permit),
     * so a kick between the processor's last check and its wait is not lost.
     */
    void wake();

    /** KVM's error numbers as its hypercalls return them (negated): include/uapi/linux/kvm_para.h. */
    long KVM_EPERM = 1;
    long KVM_EINVAL = 22;
    long KVM_EOPNOTSUPP = 95;

    /**
     * KVM's paravirtual IPI (KVM_HC_SEND_IPI) from this processor: the interrupt the ICR value
     * {@code icr} describes (vector, delivery mode, level, trigger mode; physical destination and
     * no shorthand, else -KVM_EINVAL) goes to every processor whose physical APIC ID is
     * {@code firstId} plus a set bit's index in {@code bitmapLow}, or {@code firstId} +
     * {@code clusterSize} (64, or 32 for a 32-bit caller) plus one in {@code bitmapHigh}. Returns
     * how many accepted it. Without an APIC bus, -KVM_EOPNOTSUPP, as KVM answers without an APIC map.
     */
    default long sendIpis(long bitmapLow, long bitmapHigh, long firstId, long icr, int clusterSize) {
        return -KVM_EOPNOTSUPP;
    }

    /**
     * Whether {@link #kickCpu} and {@link #takeUnhalt} work: KVM's paravirtual unhalt
     * (KVM_FEATURE_PV_UNHALT, which CPUID then advertises), with which Linux's spinlock waiters
     * halt instead of spinning and the unlocking processor wakes them.
     */
    default boolean pvUnhaltSupported() {
        return false;
    }

    /**
     * KVM_HC_KICK_CPU from this processor: the processor whose physical APIC ID is {@code apicId}
     * (hardware-enabled) leaves its HLT, or, if it is not halted, its next HLT ends at once, as
     * KVM's pv_unhalted flag makes it. No interrupt is delivered.
     */
    default void kickCpu(long apicId) { }

    /** Takes a pending kick ({@link #kickCpu}): true if the halted processor should resume. */
    default boolean takeUnhalt() {
        return false;
    }

    /** The APIC ID of this processor. */
    int apicId();

    /**
     * A read of the APIC's 4 KiB register page at {@code offset} (xAPIC MMIO). The processor
     * routes its accesses to the page at {@link #apicBaseMsr()}'s base (bits 51:12) here while
     * the APIC is globally enabled (bit 11); each processor sees its own APIC there.
     */
    long mmioRead(int offset, int size);

    void mmioWrite(int offset, int size, long value);

    /** The IA32_APIC_BASE MSR (0x1B). */
    long apicBaseMsr();

    void setApicBaseMsr(long value);

    /**
     * WRMSR IA32_APIC_BASE by the guest, reserved address bits already checked: false for a
     * transition the SDM forbids (x2APIC to xAPIC, disabled to x2APIC, EXTD without EN, EXTD
     * where x2APIC is not supported), which is a #GP. {@link #setApicBaseMsr} is the unchecked
     * form that restoring a saved state uses.
     */
    default boolean writeApicBaseMsr(long value) {
        if ((value & (1L << 10)) != 0) {
            return false;
        }
        setApicBaseMsr(value);
        return true;
    }

    /** Whether the x2APIC MSR interface exists: CPUID.1:ECX[21] then says so. */
    default boolean x2apicSupported() {
        return false;
    }

    /** Whether RDMSR of x2APIC register {@code msr} (0x800-0x8FF) succeeds now; otherwise it is a #GP. */
    default boolean x2apicReadable(int msr) {
        return false;
    }

    /** RDMSR of an x2APIC register for which {@link #x2apicReadable} is true. */
    default long x2apicRead(int msr) {
        return 0;
    }

    /** WRMSR of x2APIC register {@code msr}: false (a #GP) outside x2APIC mode, for a read-only register or reserved bits. */
    default boolean x2apicWrite(int msr, long value) {
        return false;
    }

    /** The task priority register (CR8 is its bits 7:4), whichever interface the APIC is in. */
    default int taskPriority() {
        return (int) mmioRead(0x80, 4) & 0xFF;
    }

    default void setTaskPriority(int tpr) {
        mmioWrite(0x80, 4, tpr & 0xFF);
    }

    /** IA32_TSC_DEADLINE (0x6E0), if the timer's TSC-deadline mode is advertised. */
    long tscDeadlineMsr();

    void setTscDeadlineMsr(long value);
}
