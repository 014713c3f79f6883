package jvisor.boot;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * Where the guest's serial console and the VMM's own messages go. The command line uses the
 * process's standard streams; tests capture them.
 *
 * @param in    bytes typed to the guest's serial port, or null for none
 * @param out   the guest's serial output
 * @param log   the VMM's messages (boot trace, stats, panic dumps)
 */
public record Console(InputStream in, PrintStream out, PrintStream log) {
    public static Console system() {
        return new Console(System.in, System.out, System.err);
    }
}
