package jvisor.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jvisor.boot.BadInputException;

/**
 * A C reference program from {@code vmm/src/main/c}, compiled with the system gcc into a
 * temporary directory when a benchmark runs, so the reference is built by the same compiler
 * and runs on the same machine as the figure it is compared with.
 */
final class CReference implements AutoCloseable {
    private static final long TIMEOUT_MINUTES = 30;

    private final Path dir;
    private final Path binary;

    private CReference(Path dir, Path binary) {
        this.dir = dir;
        this.binary = binary;
    }

    /** Compiles {@code name}.c with -O2. */
    static CReference compile(String name) {
        Path source = locate(name + ".c");
        try {
            Path dir = Files.createTempDirectory("jvisor-bench-");
            Path binary = dir.resolve(name);
            run(List.of("gcc", "-O2", "-Wall", "-o", binary.toString(), source.toString()));
            return new CReference(dir, binary);
        } catch (IOException e) {
            throw new BadInputException("cannot compile " + source + ": " + e.getMessage());
        }
    }

    /** Runs the program and returns what it printed. */
    String run(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        try {
            return run(command);
        } catch (IOException e) {
            throw new BadInputException("cannot run " + binary + ": " + e.getMessage());
        }
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new BadInputException(command.get(0) + " did not finish in " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new BadInputException("interrupted while running " + command.get(0));
        }
        if (p.exitValue() != 0) {
            throw new BadInputException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    /** The source next to the build this class came from: {@code vmm/src/main/c} above {@code vmm/target}. */
    private static Path locate(String file) {
        try {
            Path here = Path.of(CReference.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = here; p != null; p = p.getParent()) {
                Path candidate = p.resolve("src/main/c").resolve(file);
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the message below
        }
        throw new BadInputException("cannot find vmm/src/main/c/" + file + " next to this jvisor build;"
                + " run the benchmark from a source checkout");
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary directory is harmless.
        }
    }
}
