package jvisor.engine.emu.platform;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Warnings about a guest misusing a device, capped per device so that a guest cannot flood the
 * host's log.
 */
final class DeviceLog {
    private static final System.Logger LOG = System.getLogger("jvisor.platform");
    private static final int LIMIT = 32;

    private final String device;
    private final AtomicInteger count = new AtomicInteger();

    DeviceLog(String device) {
        this.device = device;
    }

    void warn(String format, Object... args) {
        int n = count.incrementAndGet();
        if (n <= LIMIT) {
            String suffix = n == LIMIT ? " (further warnings from this device suppressed)" : "";
            LOG.log(System.Logger.Level.WARNING, device + ": " + String.format(format, args) + suffix);
        }
    }
}
