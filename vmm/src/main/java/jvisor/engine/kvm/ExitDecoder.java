package jvisor.engine.kvm;

import jvisor.engine.ExitReason;

import static jvisor.engine.kvm.KvmConst.KVM_EXIT_FAIL_ENTRY;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_DEBUG;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_HLT;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_HYPERCALL;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_XEN;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_XEN_HCALL;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_INTERNAL_ERROR;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_INTR;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_IO;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_MMIO;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_SHUTDOWN;
import static jvisor.engine.kvm.KvmConst.KVM_EXIT_SYSTEM_EVENT;
import static jvisor.engine.kvm.KvmConst.KVM_SYSTEM_EVENT_RESET;
import static jvisor.engine.kvm.KvmConst.KVM_SYSTEM_EVENT_SHUTDOWN;

/** Why KVM_RUN returned 0, from {@code kvm_run.exit_reason}, in the engine's closed set of reasons. */
final class ExitDecoder {
    private ExitDecoder() { }

    /** Loads the IO or MMIO view when the exit is one; allocates nothing. */
    static ExitReason decode(KvmRun run, KvmIoExit io, KvmMmioExit mmio) {
        return switch (run.exitReason()) {
            case KVM_EXIT_IO -> io.load() ? ExitReason.IO : ExitReason.UNHANDLED;
            case KVM_EXIT_MMIO -> mmio.load() ? ExitReason.MMIO : ExitReason.UNHANDLED;
            case KVM_EXIT_HLT -> ExitReason.HLT;
            case KVM_EXIT_DEBUG -> ExitReason.DEBUG;
            // KVM answers VMCALL/VMMCALL in the kernel (-KVM_ENOSYS in RAX for numbers it does not
            // know) unless jvisor set up the Xen hypercall intercept (KvmHypercalls): then every
            // one exits as KVM_EXIT_XEN. KVM_EXIT_HYPERCALL comes only for hypercalls enabled with
            // KVM_CAP_EXIT_HYPERCALL, which jvisor does not enable.
            case KVM_EXIT_HYPERCALL -> ExitReason.UNHANDLED;
            case KVM_EXIT_XEN -> run.xenType() == KVM_EXIT_XEN_HCALL ? ExitReason.HYPERCALL : ExitReason.UNHANDLED;
            case KVM_EXIT_SHUTDOWN -> ExitReason.SHUTDOWN;
            case KVM_EXIT_FAIL_ENTRY -> ExitReason.FAIL_ENTRY;
            case KVM_EXIT_INTERNAL_ERROR -> ExitReason.INTERNAL_ERROR;
            case KVM_EXIT_SYSTEM_EVENT -> switch (run.systemEventType()) {
                case KVM_SYSTEM_EVENT_SHUTDOWN -> ExitReason.POWER_OFF;
                case KVM_SYSTEM_EVENT_RESET -> ExitReason.RESET;
                default -> ExitReason.SYSTEM_EVENT;
            };
            case KVM_EXIT_INTR -> {
                run.clearImmediateExit();
                yield ExitReason.STOPPED;
            }
            default -> ExitReason.UNHANDLED;
        };
    }
}
