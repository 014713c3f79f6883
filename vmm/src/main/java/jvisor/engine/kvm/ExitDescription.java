package jvisor.engine.kvm;

import jvisor.engine.ExitReason;

/** KVM's account of a vCPU's last exit, in words, for panic messages. Off the exit path: it may allocate. */
final class ExitDescription {
    private ExitDescription() { }

    static String of(ExitReason reason, int errno, KvmRun run, KvmIoExit io, KvmMmioExit mmio) {
        if (reason == null) {
            return "no exit yet";
        }
        if (reason == ExitReason.STOPPED) {
            return errno != 0 ? "KVM_RUN interrupted by a signal (EINTR)" : "KVM_EXIT_INTR";
        }
        int exit = run.exitReason();
        String name = KvmConst.exitName(exit);
        return switch (exit) {
            case KvmConst.KVM_EXIT_IO -> name + ": " + (reason == ExitReason.IO ? io.toString() : rawIo(run));
            case KvmConst.KVM_EXIT_MMIO -> name + ": " + (reason == ExitReason.MMIO ? mmio.toString() : rawMmio(run));
            case KvmConst.KVM_EXIT_FAIL_ENTRY -> String.format(
                    "%s: hardware_entry_failure_reason %#x on host cpu %d",
                    name, run.entryFailureReason(), run.entryFailureCpu());
            case KvmConst.KVM_EXIT_INTERNAL_ERROR -> name + ": " + KvmConst.internalErrorName(run.internalSuberror())
                    + " (suberror " + run.internalSuberror() + ")" + internalData(run);
            case KvmConst.KVM_EXIT_SYSTEM_EVENT -> name + ": " + KvmConst.systemEventName(run.systemEventType())
                    + systemEventData(run);
            case KvmConst.KVM_EXIT_UNKNOWN -> String.format("%s: hardware exit reason %#x", name, run.hardwareExitReason());
            default -> name + " (exit reason " + exit + ")";
        };
    }

    private static String rawIo(KvmRun run) {
        return String.format("malformed: direction %d size %d port %#x count %d data_offset %#x",
                run.ioDirection(), run.ioSize(), run.ioPort(), run.ioCount(), run.ioDataOffset());
    }

    private static String rawMmio(KvmRun run) {
        return String.format("malformed: address %#x len %d", run.mmioAddress(), run.mmioLength());
    }

    private static String internalData(KvmRun run) {
        int n = run.internalDataWords();
        StringBuilder s = new StringBuilder(n == 0 ? "" : ", data");
        for (int i = 0; i < n; i++) {
            s.append(String.format(" %#x", run.internalData(i)));
        }
        return s.toString();
    }

    private static String systemEventData(KvmRun run) {
        int n = run.systemEventDataWords();
        StringBuilder s = new StringBuilder(n == 0 ? "" : ", data");
        for (int i = 0; i < n; i++) {
            s.append(String.format(" %#x", run.systemEventData(i)));
        }
        return s.toString();
    }
}
