package jvisor.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One boot in a child process, timed from the moment the process is started: when each marker
 * line first appears on its standard output (read as it arrives) and when the process exits. The
 * child's standard error is kept for the figures it reports there and for error messages.
 *
 * @param markers       per marker asked for, seconds until it appeared, or -1 if it never did
 * @param exitSeconds   seconds until the process exited (or was killed at the timeout)
 * @param exitStatus    the child's exit status, or -1 if it was killed at the timeout
 * @param output        what the child wrote to standard output
 * @param errors        what the child wrote to standard error
 */
record TimedBoot(List<Double> markers, double exitSeconds, int exitStatus, String output, String errors) {

    private static final java.util.regex.Pattern ESCAPE = java.util.regex.Pattern.compile("\033\\[[0-9;?]*[A-Za-z]");

    TimedBoot {
        markers = List.copyOf(markers);
    }

    /** Seconds until the (first) marker appeared, or -1. */
    double markerSeconds() {
        return markers.get(0);
    }

    /** Runs {@code command} with no input, killing it after {@code timeoutSeconds}. */
    static TimedBoot run(List<String> command, String marker, long timeoutSeconds) throws IOException {
        return run(command, List.of(marker), timeoutSeconds);
    }

    /** As {@link #run(List, String, long)}, timing each of {@code markers}. */
    static TimedBoot run(List<String> command, List<String> markers, long timeoutSeconds) throws IOException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        StringBuilder errors = new StringBuilder();
        Thread drain = Thread.ofVirtual().start(() -> collect(p.getErrorStream(), errors));
        AtomicBoolean killed = new AtomicBoolean();
        Thread killer = Thread.ofVirtual().start(() -> killAfter(p, timeoutSeconds, killed));
        StringBuilder output = new StringBuilder();
        double[] seen = new double[markers.size()];
        java.util.Arrays.fill(seen, -1);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            for (String line; (line = r.readLine()) != null; ) {
                // SeaBIOS's serial mirror of the screen puts cursor moves inside text wherever it flushed.
                String plain = line.indexOf('\033') < 0 ? line : ESCAPE.matcher(line).replaceAll("");
                for (int i = 0; i < seen.length; i++) {
                    if (seen[i] < 0 && plain.contains(markers.get(i))) {
                        seen[i] = (System.nanoTime() - start) / 1e9;
                    }
                }
                output.append(line).append('\n');
            }
            int status = p.waitFor();
            double exitSeconds = (System.nanoTime() - start) / 1e9;
            killer.interrupt();
            drain.join();
            synchronized (errors) {
                return new TimedBoot(java.util.Arrays.stream(seen).boxed().toList(), exitSeconds, killed.get() ? -1 : status, output.toString(),
                        errors.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + command.get(0));
        } finally {
            p.destroyForcibly();
        }
    }

    private static void collect(InputStream in, StringBuilder into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (into) {
                    into.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // The child went away; what it wrote so far is kept.
        }
    }

    private static void killAfter(Process p, long seconds, AtomicBoolean killed) {
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                killed.set(true);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            // The boot finished in time.
        }
    }

    /** The last line of standard error starting with {@code prefix}, without the prefix; null if none. */
    String reported(String prefix) {
        String found = null;
        for (String line : errors.split("\n")) {
            if (line.startsWith(prefix)) {
                found = line.substring(prefix.length()).strip();
            }
        }
        return found;
    }
}
