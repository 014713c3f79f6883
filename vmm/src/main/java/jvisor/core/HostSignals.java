package jvisor.core;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM stop the VM cleanly (every processor thread ends, the terminal is restored)
 * instead of killing the JVM mid-run. The previous handlers come back when the run ends.
 */
final class HostSignals implements AutoCloseable {
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;

    private final SignalHandler previousInt;
    private final SignalHandler previousTerm;

    private HostSignals(Vmm vmm) {
        previousInt = Signal.handle(new Signal("INT"),
                s -> vmm.requestShutdown(new ShutdownCause.Interrupted("SIGINT", SIGINT)));
        previousTerm = Signal.handle(new Signal("TERM"),
                s -> vmm.requestShutdown(new ShutdownCause.Interrupted("SIGTERM", SIGTERM)));
    }

    static HostSignals install(Vmm vmm) {
        return new HostSignals(vmm);
    }

    @Override
    public void close() {
        Signal.handle(new Signal("INT"), previousInt);
        Signal.handle(new Signal("TERM"), previousTerm);
    }
}
