package jvisor.engine.emu.cpu;

/**
 * VMCALL as a KVM host answers it, since CPUID shows KVM's signature (with no features): the
 * hypercall number in RAX, the result in RAX, and nothing else changes. Only ring 0 may call;
 * no hypercall is offered beyond KVM_HC_VAPIC_POLL_IRQ, which does nothing and succeeds, so
 * every other number gets KVM's "no such hypercall". VMMCALL stays a #UD, as on the Intel
 * processor CPUID describes.
 */
public final class Hypercalls {
    /** KVM's hypercall numbers and errors (include/uapi/linux/kvm_para.h). */
    static final long KVM_HC_VAPIC_POLL_IRQ = 1;
    static final long KVM_ENOSYS = 1000;
    static final long KVM_EPERM = 1;

    private Hypercalls() { }

    public static void vmcall(Cpu c) {
        long nr = c.mode64() ? c.reg(Cpu.RAX) : c.reg(Cpu.RAX) & 0xFFFF_FFFFL;
        long result;
        if (c.cpl() != 0) {
            result = -KVM_EPERM;
        } else if (nr == KVM_HC_VAPIC_POLL_IRQ) {
            result = 0;
        } else {
            result = -KVM_ENOSYS;
        }
        c.setReg(Cpu.RAX, c.mode64() ? result : result & 0xFFFF_FFFFL);
    }
}
