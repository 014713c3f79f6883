package jvisor.core;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The VMM's console: BitVisor's boot messages ({@code Processor 0 (BSP)}, {@code Starting a virtual
 * machine.}) always, and with {@code --trace-boot} every step of the boot path with the time since
 * {@code vmm_main} and the processor it ran on.
 */
public final class BootTrace {
    private final PrintStream out;
    private final boolean enabled;
    private final long start = System.nanoTime();

    public BootTrace(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** An init function about to run. */
    void step(Processor p, Stage stage, String name) {
        if (enabled) {
            line(p, stage.name().toLowerCase(Locale.ROOT), name);
        }
    }

    /** A step of the boot path that is not an init function (vmm_main, create_pass_vm, ...). */
    public void step(Processor p, String step, String detail) {
        if (enabled) {
            line(p, step, detail);
        }
    }

    /**
     * ", N.NN s after the JVM started": the JVM's own start-up counts for a boot, and the trace's
     * clock starts only at vmm_main.
     */
    static String sinceProcessStart() {
        long started = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        return String.format(Locale.ROOT, ", %.2f s after the JVM started", (System.currentTimeMillis() - started) / 1e3);
    }

    /** A message every run shows. */
    public void message(String text) {
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    private void line(Processor p, String step, String detail) {
        double seconds = (System.nanoTime() - start) / 1e9;
        synchronized (out) {
            out.printf(Locale.ROOT, "[%10.6f] cpu%-2d %-16s %s%n", seconds, p.number(), step, detail);
            out.flush();
        }
    }
}
