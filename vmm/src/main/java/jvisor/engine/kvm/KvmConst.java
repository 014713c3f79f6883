package jvisor.engine.kvm;

/**
 * Numbers from the KVM API headers ({@code linux/kvm.h}, {@code asm/kvm.h}) that are not ioctls.
 * Every field is named exactly as its C macro; the layout test compares each with the header.
 */
final class KvmConst {
    private KvmConst() { }

    static final int KVM_API_VERSION = 12;

    // kvm_run.exit_reason
    static final int KVM_EXIT_UNKNOWN = 0;
    static final int KVM_EXIT_EXCEPTION = 1;
    static final int KVM_EXIT_IO = 2;
    static final int KVM_EXIT_HYPERCALL = 3;
    static final int KVM_EXIT_DEBUG = 4;
    static final int KVM_EXIT_HLT = 5;
    static final int KVM_EXIT_MMIO = 6;
    static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    static final int KVM_EXIT_SHUTDOWN = 8;
    static final int KVM_EXIT_FAIL_ENTRY = 9;
    static final int KVM_EXIT_INTR = 10;
    static final int KVM_EXIT_SET_TPR = 11;
    static final int KVM_EXIT_TPR_ACCESS = 12;
    static final int KVM_EXIT_NMI = 16;
    static final int KVM_EXIT_INTERNAL_ERROR = 17;
    static final int KVM_EXIT_SYSTEM_EVENT = 24;
    static final int KVM_EXIT_IOAPIC_EOI = 26;
    static final int KVM_EXIT_HYPERV = 27;
    static final int KVM_EXIT_X86_RDMSR = 29;
    static final int KVM_EXIT_X86_WRMSR = 30;
    static final int KVM_EXIT_DIRTY_RING_FULL = 31;
    static final int KVM_EXIT_AP_RESET_HOLD = 32;
    static final int KVM_EXIT_X86_BUS_LOCK = 33;
    static final int KVM_EXIT_XEN = 34;
    static final int KVM_EXIT_NOTIFY = 37;

    // kvm_run.io.direction
    static final int KVM_EXIT_IO_IN = 0;
    static final int KVM_EXIT_IO_OUT = 1;

    // kvm_run.system_event.type
    static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    static final int KVM_SYSTEM_EVENT_RESET = 2;

    static final int KVM_GUESTDBG_ENABLE = 0x1;
    static final int KVM_GUESTDBG_SINGLESTEP = 0x2;
    static final int KVM_GUESTDBG_USE_HW_BP = 0x20000;
    /** Keeps interrupts from being delivered while single-stepping (KVM_CAP_SET_GUEST_DEBUG2 lists it). */
    static final int KVM_GUESTDBG_BLOCKIRQ = 0x100000;

    // kvm_xen_hvm_config.flags, kvm_xen_exit.type
    static final int KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL = 1 << 1;
    static final int KVM_EXIT_XEN_HCALL = 1;
    static final int KVM_SYSTEM_EVENT_CRASH = 3;
    static final int KVM_SYSTEM_EVENT_WAKEUP = 4;
    static final int KVM_SYSTEM_EVENT_SUSPEND = 5;
    static final int KVM_SYSTEM_EVENT_SEV_TERM = 6;

    // kvm_run.internal.suberror
    static final int KVM_INTERNAL_ERROR_EMULATION = 1;
    static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;
    static final int KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;

    // kvm_mp_state.mp_state
    static final int KVM_MP_STATE_RUNNABLE = 0;
    static final int KVM_MP_STATE_UNINITIALIZED = 1;
    static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    static final int KVM_MP_STATE_HALTED = 3;
    static final int KVM_MP_STATE_SIPI_RECEIVED = 4;

    // kvm_pit_config.flags: the PIT also answers port 0x61, so channel 2's gate and output work.
    static final int KVM_PIT_SPEAKER_DUMMY = 1;
    /** A memory slot the guest may only read: its writes exit to user space as MMIO (KVM_CAP_READONLY_MEM). */
    static final int KVM_MEM_READONLY = 1 << 1;

    // kvm_irq_routing_entry
    static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    static final int KVM_IRQCHIP_PIC_MASTER = 0;
    static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    static final int KVM_IRQCHIP_IOAPIC = 2;

    // kvm_cpuid_entry2.flags (the kernel's spelling)
    static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    /** The C name of an exit reason, for messages. */
    static String exitName(int reason) {
        return switch (reason) {
            case KVM_EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
            case KVM_EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
            case KVM_EXIT_IO -> "KVM_EXIT_IO";
            case KVM_EXIT_HYPERCALL -> "KVM_EXIT_HYPERCALL";
            case KVM_EXIT_DEBUG -> "KVM_EXIT_DEBUG";
            case KVM_EXIT_HLT -> "KVM_EXIT_HLT";
            case KVM_EXIT_MMIO -> "KVM_EXIT_MMIO";
            case KVM_EXIT_IRQ_WINDOW_OPEN -> "KVM_EXIT_IRQ_WINDOW_OPEN";
            case KVM_EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
            case KVM_EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
            case KVM_EXIT_INTR -> "KVM_EXIT_INTR";
            case KVM_EXIT_SET_TPR -> "KVM_EXIT_SET_TPR";
            case KVM_EXIT_TPR_ACCESS -> "KVM_EXIT_TPR_ACCESS";
            case KVM_EXIT_NMI -> "KVM_EXIT_NMI";
            case KVM_EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
            case KVM_EXIT_SYSTEM_EVENT -> "KVM_EXIT_SYSTEM_EVENT";
            case KVM_EXIT_IOAPIC_EOI -> "KVM_EXIT_IOAPIC_EOI";
            case KVM_EXIT_HYPERV -> "KVM_EXIT_HYPERV";
            case KVM_EXIT_X86_RDMSR -> "KVM_EXIT_X86_RDMSR";
            case KVM_EXIT_X86_WRMSR -> "KVM_EXIT_X86_WRMSR";
            case KVM_EXIT_DIRTY_RING_FULL -> "KVM_EXIT_DIRTY_RING_FULL";
            case KVM_EXIT_AP_RESET_HOLD -> "KVM_EXIT_AP_RESET_HOLD";
            case KVM_EXIT_X86_BUS_LOCK -> "KVM_EXIT_X86_BUS_LOCK";
            case KVM_EXIT_XEN -> "KVM_EXIT_XEN";
            case KVM_EXIT_NOTIFY -> "KVM_EXIT_NOTIFY";
            default -> "exit " + reason;
        };
    }

    static String internalErrorName(int suberror) {
        return switch (suberror) {
            case KVM_INTERNAL_ERROR_EMULATION -> "emulation failure";
            case KVM_INTERNAL_ERROR_SIMUL_EX -> "simultaneous exceptions";
            case KVM_INTERNAL_ERROR_DELIVERY_EV -> "exit while delivering an event";
            case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON -> "unexpected hardware exit";
            default -> "suberror " + suberror;
        };
    }

    static String systemEventName(int type) {
        return switch (type) {
            case KVM_SYSTEM_EVENT_SHUTDOWN -> "shutdown";
            case KVM_SYSTEM_EVENT_RESET -> "reset";
            case KVM_SYSTEM_EVENT_CRASH -> "crash";
            case KVM_SYSTEM_EVENT_WAKEUP -> "wakeup";
            case KVM_SYSTEM_EVENT_SUSPEND -> "suspend";
            case KVM_SYSTEM_EVENT_SEV_TERM -> "SEV termination";
            default -> "type " + type;
        };
    }
}
