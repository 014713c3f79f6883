package jvisor.core;

import jvisor.engine.ExitReason;

/** Why the VM stopped, and the exit status jvisor ends with. The first cause recorded wins. */
public sealed interface ShutdownCause {
    /** Status for a guest that crashed (triple fault, an exit the VMM cannot handle). */
    int GUEST_CRASHED = 4;
    /** Status for a failure of jvisor or the host. */
    int HOST_FAILURE = 1;
    /** Status after SIGINT/SIGTERM, as a shell reports a signal. */
    int INTERRUPTED_BASE = 128;

    int exitStatus();

    /** One line for the console. */
    String describe();

    /** Whether the VMM dumps every processor's registers (BitVisor's panic). */
    default boolean dumpsProcessors() {
        return false;
    }

    /** The guest powered off (ACPI S5, or the engine's platform event). */
    record PowerOff(String how) implements ShutdownCause {
        public int exitStatus() {
            return 0;
        }

        public String describe() {
            return "guest powered off (" + how + ")";
        }
    }

    /** The guest asked for a reset; jvisor ends instead of rebooting. */
    record Reset(String how) implements ShutdownCause {
        public int exitStatus() {
            return 0;
        }

        public String describe() {
            return "guest reset (" + how + ")";
        }
    }

    /** QEMU's isa-debug-exit: the status is {@code (value << 1) | 1}. */
    record DebugExit(int value) implements ShutdownCause {
        public int exitStatus() {
            return ((value << 1) | 1) & 0xFF;
        }

        public String describe() {
            return "guest wrote " + value + " to the debug-exit port";
        }
    }

    /** Every processor halted with no way to be woken. */
    record AllHalted() implements ShutdownCause {
        public int exitStatus() {
            return 0;
        }

        public String describe() {
            return "every processor halted with interrupts disabled";
        }
    }

    /** A processor shut down after a triple fault. */
    record TripleFault(int cpu) implements ShutdownCause {
        public int exitStatus() {
            return GUEST_CRASHED;
        }

        public String describe() {
            return "processor " + cpu + " triple-faulted";
        }

        public boolean dumpsProcessors() {
            return true;
        }
    }

    /** An exit the VMM cannot continue from: failed entry, emulation failure, unknown exit. */
    record GuestError(int cpu, ExitReason reason, String detail) implements ShutdownCause {
        public int exitStatus() {
            return GUEST_CRASHED;
        }

        public String describe() {
            return "processor " + cpu + " stopped on " + reason + ": " + detail;
        }

        public boolean dumpsProcessors() {
            return true;
        }
    }

    /** SIGINT or SIGTERM, or the console's quit key. */
    record Interrupted(String how, int signal) implements ShutdownCause {
        public int exitStatus() {
            return signal == 0 ? 0 : INTERRUPTED_BASE + signal;
        }

        public String describe() {
            return "stopped by " + how;
        }
    }

    /** Something the user can fix turned up while processors were starting (e.g. a host limit). */
    record BadInput(String message) implements ShutdownCause {
        public int exitStatus() {
            return 2;
        }

        public String describe() {
            return message;
        }
    }

    /** jvisor or the host failed; the guest did nothing wrong. */
    record Failure(int cpu, String message, Throwable error) implements ShutdownCause {
        public int exitStatus() {
            return HOST_FAILURE;
        }

        public String describe() {
            return (cpu >= 0 ? "processor " + cpu + ": " : "") + message;
        }

        public boolean dumpsProcessors() {
            return cpu >= 0;
        }
    }
}
