package jvisor.engine.emu.cpu;

import jvisor.engine.emu.LocalInterrupts;

/**
 * The KVM hypercalls emu answers itself, in the processor, as KVM's {@code kvm_emulate_hypercall}
 * does: KVM_HC_KICK_CPU (RAX = 5), which wakes a processor halted in a paravirtual spinlock, where
 * the local APIC supports it, and KVM_HC_SEND_IPI (RAX = 10), the paravirtual IPI. Every other VMCALL/VMMCALL goes to
 * the VMM (BitVisor's vmmcall, which keeps number 10 free). Arguments are RBX, RCX, RDX, RSI, all
 * cut to 32 bits outside 64-bit mode, where the result is too; at CPL > 0 the answer is
 * -KVM_EPERM.
 */
public final class KvmParavirtCalls {
    private KvmParavirtCalls() { }

    public static final int KVM_HC_KICK_CPU = 5;
    public static final int KVM_HC_SEND_IPI = 10;

    /** Answers the hypercall the processor just made if it is one of these: true if RAX now holds the result. */
    public static boolean answer(Cpu c) {
        boolean op64 = c.mode64();
        long mask = op64 ? -1L : 0xFFFF_FFFFL;
        long number = c.reg(Cpu.RAX) & mask;
        LocalInterrupts apic = c.lapic();
        boolean kick = number == KVM_HC_KICK_CPU && apic.pvUnhaltSupported();
        if (!kick && number != KVM_HC_SEND_IPI) {
            return false;
        }
        long result;
        if (c.cpl() != 0) {
            result = -LocalInterrupts.KVM_EPERM;
        } else if (kick) {
            // RBX holds flags KVM ignores; RCX the APIC ID
            apic.kickCpu(c.reg(Cpu.RCX) & mask);
            result = 0;
        } else {
            result = apic.sendIpis(c.reg(Cpu.RBX) & mask, c.reg(Cpu.RCX) & mask, c.reg(Cpu.RDX) & 0xFFFF_FFFFL,
                    c.reg(Cpu.RSI) & mask, op64 ? 64 : 32);
        }
        c.setReg(Cpu.RAX, result & mask);
        return true;
    }
}
