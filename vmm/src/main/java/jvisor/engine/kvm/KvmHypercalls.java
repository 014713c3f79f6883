package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * BitVisor's vmmcall on kvm. KVM answers VMCALL/VMMCALL itself (its own hypercall numbers, and
 * -KVM_ENOSYS for the rest), so a guest's named hypercalls never reach jvisor, except through
 * the Xen intercept: with KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL, KVM's {@code kvm_emulate_hypercall}
 * hands every VMCALL/VMMCALL to {@code kvm_xen_hypercall} whatever RAX holds, which exits as
 * KVM_EXIT_XEN (KVM_EXIT_XEN_HCALL) and, on the next KVM_RUN, writes {@code xen.u.hcall.result}
 * to RAX and steps past the instruction. It needs a kernel built with CONFIG_KVM_XEN (Debian's
 * 6.1 is not); without it jvisor's vmmcall stays an emu feature.
 *
 * <p>What else the intercept changes, checked in the kernel's {@code arch/x86/kvm/xen.c}:
 * <ul>
 * <li>KVM's static key for Xen is only switched on by a non-zero hypercall-page MSR, so one must
 *     be named: {@link #HYPERCALL_PAGE_MSR}, where Xen itself puts it next to Viridian. A guest that
 *     writes it gets a page of hypercall stubs instead of #GP; only a guest that found Xen's
 *     CPUID signature does that, and jvisor shows none.</li>
 * <li>At CPL 0, KVM still answers a few Xen calls in the kernel by RAX (and RDI): sched_op's
 *     yield and poll always, the others only with Xen features jvisor does not enable. jvisor's
 *     vmmcall numbers skip them ({@code Vmmcall.RESERVED}).</li>
 * <li>KVM's own paravirtual hypercalls (PV IPIs, PV spinlock kicks, directed yield, MAP_GPA_RANGE)
 *     would reach jvisor too, which cannot do them: their CPUID feature bits are cleared
 *     ({@link #withoutPvHypercalls}), so a KVM-aware guest such as Linux uses the ordinary APIC
 *     paths. kvmclock, steal time and async page faults are MSRs and stay.</li>
 * </ul>
 */
final class KvmHypercalls {
    private KvmHypercalls() { }

    /** Xen's hypercall-page MSR with Viridian present (0x40000000 + 0x200); outside Hyper-V's MSRs. */
    static final int HYPERCALL_PAGE_MSR = 0x4000_0200;

    /** KVM_CPUID_FEATURES (0x40000001) EAX bits of features that make hypercalls. */
    static final int KVM_CPUID_FEATURES = 0x4000_0001;
    static final int PV_HYPERCALL_FEATURES = (1 << 7) // KVM_FEATURE_PV_UNHALT: KVM_HC_KICK_CPU
            | (1 << 11) // KVM_FEATURE_PV_SEND_IPI: KVM_HC_SEND_IPI
            | (1 << 13) // KVM_FEATURE_PV_SCHED_YIELD: KVM_HC_SCHED_YIELD
            | (1 << 16); // KVM_FEATURE_HC_MAP_GPA_RANGE

    /** Whether this KVM can hand every VMCALL/VMMCALL to user space (KVM_CAP_XEN_HVM's flags). */
    static boolean available(int xenHvmFlags) {
        return (xenHvmFlags & KvmConst.KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL) != 0;
    }

    /** KVM_XEN_HVM_CONFIG on a new VM, before its vCPUs exist. */
    static void intercept(KvmFd vm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(KvmStructs.XEN_HVM_CONFIG);
            KvmStructs.XEN_HVM_CONFIG_FLAGS.set(config, 0L, KvmConst.KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL);
            KvmStructs.XEN_HVM_CONFIG_MSR.set(config, 0L, HYPERCALL_PAGE_MSR);
            vm.ioctl(KvmIoctl.KVM_XEN_HVM_CONFIG, config);
        }
    }

    /** {@code cpuid} without the KVM paravirtual features that would make hypercalls. */
    static List<CpuidEntry> withoutPvHypercalls(List<CpuidEntry> cpuid) {
        List<CpuidEntry> out = new ArrayList<>(cpuid.size());
        for (CpuidEntry e : cpuid) {
            out.add(e.function() == KVM_CPUID_FEATURES
                    ? new CpuidEntry(e.function(), e.index(), e.flags(), e.eax() & ~PV_HYPERCALL_FEATURES, e.ebx(), e.ecx(),
                    e.edx())
                    : e);
        }
        return out;
    }
}
