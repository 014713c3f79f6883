package jvisor.engine.kvm;

/**
 * The KVM capabilities jvisor asks about ({@code KVM_CHECK_EXTENSION}). Each name is the C
 * macro's; {@code purpose} says what jvisor needs it for, so a host without it gets a message a
 * user can act on.
 */
enum KvmCap {
    KVM_CAP_IRQCHIP(0, "the in-kernel local APIC, IOAPIC and PICs", true),
    KVM_CAP_USER_MEMORY(3, "guest RAM in process memory", true),
    KVM_CAP_SET_TSS_ADDR(4, "the real-mode TSS address", true),
    KVM_CAP_EXT_CPUID(7, "the host's supported CPUID leaves", true),
    KVM_CAP_NR_VCPUS(9, "the recommended number of processors", false),
    KVM_CAP_NR_MEMSLOTS(10, "the number of memory slots", false),
    KVM_CAP_MP_STATE(14, "processors waiting for INIT/SIPI", true),
    KVM_CAP_IRQ_ROUTING(25, "routing the timer to IOAPIC pin 2", true),
    KVM_CAP_PIT2(33, "the in-kernel 8254 timer", true),
    KVM_CAP_SET_IDENTITY_MAP_ADDR(37, "the real-mode identity page table address", true),
    KVM_CAP_MAX_VCPUS(66, "the maximum number of processors", false),
    KVM_CAP_IMMEDIATE_EXIT(136, "stopping a processor promptly", true),
    KVM_CAP_XSAVE(55, "the guest's MXCSR (KVM_GET_FPU leaves it out)", false),
    KVM_CAP_XEN_HVM(38, "intercepting VMCALL/VMMCALL for BitVisor's vmmcall (flags; needs CONFIG_KVM_XEN)", false),
    KVM_CAP_SET_GUEST_DEBUG2(195, "which KVM_SET_GUEST_DEBUG flags this KVM takes", false);

    private final int number;
    private final String purpose;
    private final boolean required;

    KvmCap(int number, String purpose, boolean required) {
        this.number = number;
        this.purpose = purpose;
        this.required = required;
    }

    int number() {
        return number;
    }

    String purpose() {
        return purpose;
    }

    /** Whether jvisor cannot run a guest without it (the others are numbers it reads). */
    boolean required() {
        return required;
    }
}
