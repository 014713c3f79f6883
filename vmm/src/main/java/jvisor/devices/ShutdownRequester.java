package jvisor.devices;

import jvisor.core.ShutdownCause;

/**
 * What a device pulls to stop the machine (power-off, reset, debug-exit). At run time it is
 * {@code PassVm::requestShutdown}; tests pass a recorder, so a device never needs the whole VM.
 */
@FunctionalInterface
public interface ShutdownRequester {
    void requestShutdown(ShutdownCause cause);
}
