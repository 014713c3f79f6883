package jvisor.engine.emu;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The emu engine's log: things a guest did that the engine does not implement (an opcode, an
 * MSR), each reported once so a guest that retries in a loop cannot flood the console.
 */
public final class EmuLog {
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();
    private static volatile PrintStream out = System.err;
    private static volatile boolean verbose;

    private EmuLog() { }

    public static void setOutput(PrintStream stream) {
        out = stream;
    }

    /** Whether {@link #probe} messages are shown (with --trace-boot). */
    public static void setVerbose(boolean on) {
        verbose = on;
    }

    /**
     * Something a guest legitimately probes for and copes with when it is absent (an MSR read
     * through rdmsr_safe): shown once, and only when tracing, since it is not a fault of either side.
     */
    public static void probe(String key, String message) {
        if (verbose) {
            once(key, message);
        }
    }

    /** Logs {@code message} the first time {@code key} is seen in this JVM. */
    public static void once(String key, String message) {
        if (SEEN.size() < 10_000 && SEEN.add(key)) {
            out.println("jvisor: emu: " + message);
        }
    }
}
