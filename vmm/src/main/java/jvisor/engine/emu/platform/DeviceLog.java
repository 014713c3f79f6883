package jvisor.engine.emu.platform;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Warnings about a guest misusing a device, one line each ({@code jvisor: lapic0: ...}) like every
 * other device's, capped per device so that a guest cannot flood the host's log.
 */
final class DeviceLog {
    private static final int LIMIT = 32;

    private final String device;
    private final PrintStream out;
    private final AtomicInteger count = new AtomicInteger();

    DeviceLog(String device) {
        this(device, null);
    }

    /** {@code out} null: the host's standard error as it is when a line is printed. */
    DeviceLog(String device, PrintStream out) {
        this.device = device;
        this.out = out;
    }

    void warn(String format, Object... args) {
        int n = count.incrementAndGet();
        if (n <= LIMIT) {
            String suffix = n == LIMIT ? " (further warnings from this device suppressed)" : "";
            PrintStream to = out != null ? out : System.err;
            String line = "jvisor: " + device + ": " + String.format(format, args) + suffix;
            synchronized (to) {
                to.println(line);
                to.flush();
            }
        }
    }
}
