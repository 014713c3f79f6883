package jvisor.storage.luks;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The references the LUKS tests compare with: cryptsetup and openssl, run as processes. */
final class HostTools {
    record Result(int status, byte[] stdout, String stderr) {
        String text() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private HostTools() { }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").concat(":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void assumeInstalled(String tool, String debianPackage) {
        assumeTrue(installed(tool), tool + " is not installed (Debian: " + debianPackage + "): the comparison with it is skipped");
    }

    /** Runs {@code command} with {@code stdin}; fails the test if it outlives {@code timeoutSeconds}. */
    static Result run(List<String> command, byte[] stdin, long timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            // cryptsetup's offline reencryption keeps its journal files in the working directory.
            pb.directory(new java.io.File(System.getProperty("java.io.tmpdir")));
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin") + ":/usr/sbin:/sbin");
            Process p = pb.start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread drain = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), err));
            Thread feed = Thread.ofPlatform().start(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // The tool may exit without reading its input.
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
            }
            drain.join();
            feed.join();
            return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result runOk(List<String> command, byte[] stdin, long timeoutSeconds) {
        Result r = run(command, stdin, timeoutSeconds);
        if (r.status() != 0) {
            throw new AssertionError(command + " failed with status " + r.status() + ": " + r.stderr().strip());
        }
        return r;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // The process is gone; what was read is enough for the message.
        }
    }
}
