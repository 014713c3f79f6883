package jvisor.engine.kvm;

import jvisor.sys.Signals;

/**
 * The signal that kicks a vCPU thread out of KVM_RUN. A real-time signal: the JVM uses none of
 * them (HotSpot's own are SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGUSR2, SIGQUIT and the shutdown
 * signals), glibc keeps the two below SIGRTMIN, and the offset stays clear of the first few that
 * other VMMs and libraries conventionally take. Its handler does nothing
 * ({@link Signals#installNoOpHandler}): the kick's whole effect is the EINTR it causes.
 */
final class KickSignal {
    private KickSignal() { }

    static final int SIGRTMIN_OFFSET = 6;

    private static int installed;

    /** Installs the handler once per process and returns the signal number. */
    static synchronized int install() {
        if (installed == 0) {
            int signal = Signals.sigrtmin() + SIGRTMIN_OFFSET;
            if (signal > Signals.sigrtmax()) {
                throw new IllegalStateException("this C library has no real-time signal SIGRTMIN+" + SIGRTMIN_OFFSET);
            }
            Signals.installNoOpHandler(signal);
            installed = signal;
        }
        return installed;
    }
}
