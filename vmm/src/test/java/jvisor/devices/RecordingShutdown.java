package jvisor.devices;

import java.util.ArrayList;
import java.util.List;
import jvisor.core.ShutdownCause;

/** Collects the shutdown requests a device makes. */
public final class RecordingShutdown implements ShutdownRequester {
    private final List<ShutdownCause> causes = new ArrayList<>();

    @Override
    public synchronized void requestShutdown(ShutdownCause cause) {
        causes.add(cause);
    }

    public synchronized List<ShutdownCause> causes() {
        return List.copyOf(causes);
    }
}
