package jvisor.devices;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device's log lines about guest misuse. A guest controls how often it misbehaves, so each
 * device prints at most {@link #LIMIT} lines and then says it stops.
 */
public final class DeviceLog {
    static final int LIMIT = 20;

    private final PrintStream out;
    private final String device;
    private final AtomicInteger lines = new AtomicInteger();

    public DeviceLog(PrintStream out, String device) {
        this.out = out;
        this.device = device;
    }

    /** A log that prints nothing, for devices built in tests that do not look at it. */
    public static DeviceLog discard(String device) {
        return new DeviceLog(null, device);
    }

    public void warn(String format, Object... args) {
        int n = lines.incrementAndGet();
        if (out == null || n > LIMIT + 1) {
            return;
        }
        String text = n > LIMIT ? "further messages suppressed" : String.format(format, args);
        synchronized (out) {
            out.println("jvisor: " + device + ": " + text);
            out.flush();
        }
    }

    /** How many lines were asked for, printed or not. */
    public int count() {
        return lines.get();
    }
}
