package jvisor.kit;

import java.io.PrintStream;
import java.util.Locale;

/** What the kit reports while it works: one line per step, and byte counts as downloads grow. */
public interface Progress {
    void step(String line);

    /** {@code done} of {@code total} bytes (total -1 if unknown); {@code last} marks the final report. */
    void bytes(String what, long done, long total, boolean last);

    Progress SILENT = new Progress() {
        public void step(String line) { }

        public void bytes(String what, long done, long total, boolean last) { }
    };

    /**
     * Lines on {@code out}. On a terminal a download's count updates in place; elsewhere (logs,
     * tests) it is printed each time another tenth has arrived, so logs stay short.
     */
    static Progress printing(PrintStream out, boolean terminal) {
        return new Progress() {
            private long lastTenth = -1;

            public synchronized void step(String line) {
                lastTenth = -1;
                out.println("jvisor: " + line);
            }

            public synchronized void bytes(String what, long done, long total, boolean last) {
                String text = "  " + what + ": " + megabytes(done) + (total > 0 ? " of " + megabytes(total) : "");
                if (terminal) {
                    out.print("\r" + text + (last ? System.lineSeparator() : ""));
                    out.flush();
                    return;
                }
                long tenth = total > 0 ? done * 10 / total : done >> 23;
                if (last || tenth != lastTenth) {
                    lastTenth = tenth;
                    out.println(text);
                }
            }
        };
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
