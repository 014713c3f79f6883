package jvisor;

import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging's records (from {@code System.Logger}) as one line each, {@code jvisor: message},
 * like every other line jvisor prints, instead of its default two-line format with a timestamp.
 */
final class OneLineLog extends Formatter {
    private OneLineLog() { }

    /** Puts the one-line format on the root logger's handlers (the console handler by default). */
    static void install() {
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.setFormatter(new OneLineLog());
        }
    }

    @Override
    public String format(LogRecord r) {
        String cause = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
        return "jvisor: " + formatMessage(r) + cause + System.lineSeparator();
    }

    static String formatForTest(LogRecord r) {
        return new OneLineLog().format(r);
    }
}
