package jvisor.guest.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jvisor.kit.DebianPackages;

/** Runs QEMU, collecting its serial console line by line with the time each arrived, until a line ends it. */
public final class QemuRun {
    public static final String QEMU = "qemu-system-x86_64";

    /** A console line and the seconds since QEMU started when it arrived. */
    public record Line(double seconds, String text) { }

    public record Result(List<Line> lines, boolean finished) {
        public Line first(String prefix) {
            return lines.stream().filter(l -> l.text().startsWith(prefix)).findFirst().orElse(null);
        }

        public String transcript() {
            StringBuilder b = new StringBuilder();
            lines.forEach(l -> b.append(String.format("%7.3f %s%n", l.seconds(), l.text())));
            return b.toString();
        }
    }

    private QemuRun() { }

    public static void assumeQemu() {
        assumeTrue(DebianPackages.available(QEMU), QEMU + " is not installed");
    }

    /** Starts {@code command}; stops at the first line {@code last} accepts, at exit, or after {@code timeoutSeconds}. */
    public static Result run(List<String> command, Predicate<String> last, long timeoutSeconds) throws IOException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        List<Line> lines = new ArrayList<>();
        boolean finished = false;
        Thread killer = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String text = line.replace("\r", "");
                lines.add(new Line((System.nanoTime() - start) / 1e9, text));
                if (last.test(text)) {
                    finished = true;
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            killer.interrupt();
        }
        return new Result(List.copyOf(lines), finished);
    }
}
