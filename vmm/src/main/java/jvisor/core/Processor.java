package jvisor.core;

import jvisor.engine.VirtualCpu;

/**
 * One processor of the VMM (BitVisor's {@code struct pcpu} with its {@code current} vCPU): a
 * platform thread that runs the per-processor stages and then its virtual processor. Passed
 * explicitly to every init function instead of a global {@code current}.
 */
public final class Processor {
    private final int number;
    private final Vmm vmm;
    private volatile VirtualCpu vcpu;

    Processor(int number, Vmm vmm) {
        this.number = number;
        this.vmm = vmm;
    }

    public int number() {
        return number;
    }

    public boolean isBsp() {
        return number == 0;
    }

    public Vmm vmm() {
        return vmm;
    }

    /** The pass-through VM; valid from create_pass_vm on. */
    public PassVm vm() {
        return vmm.vm();
    }

    /** This processor's virtual processor; valid after the vcpu stage. */
    public VirtualCpu vcpu() {
        VirtualCpu v = vcpu;
        if (v == null) {
            throw new IllegalStateException("cpu" + number + " has no virtual processor yet");
        }
        return v;
    }

    public boolean hasVcpu() {
        return vcpu != null;
    }

    void setVcpu(VirtualCpu v) {
        this.vcpu = v;
    }

    @Override
    public String toString() {
        return "Processor " + number + (isBsp() ? " (BSP)" : " (AP)");
    }
}
