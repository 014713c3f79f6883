package jvisor.kit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's packages through the ordinary tools: {@code apt-cache} to learn names and sizes,
 * {@code apt-get download} (no root needed) to fetch a .deb, {@code dpkg-deb} to unpack it.
 */
public final class DebianPackages {
    /** The meta-package whose dependency names the current kernel package. */
    public static final String KERNEL_META = "linux-image-amd64";
    static final long TIMEOUT_MINUTES = 20;

    private final Progress progress;

    public DebianPackages(Progress progress) {
        this.progress = progress;
    }

    /** Whether {@code tool} is an executable on PATH. */
    public static boolean available(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void require(String tool) {
        if (!available(tool)) {
            throw new KitException(tool + " is not installed: the guest kit is built from Debian's packages, "
                    + "so run this on Debian or Ubuntu (apt and dpkg)");
        }
    }

    /** The kernel package {@code linux-image-amd64} currently depends on, e.g. linux-image-6.1.0-50-amd64. */
    public String currentKernelPackage() {
        require("apt-cache");
        Result r = run(Path.of("."), "apt-cache", "depends", KERNEL_META);
        for (String line : r.stdout().lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Depends:") && t.substring(8).trim().startsWith("linux-image-")) {
                return t.substring(8).trim();
            }
        }
        throw new KitException("apt-cache knows no dependency of " + KERNEL_META
                + ": refresh the package lists with apt-get update (as root) and try again");
    }

    /** The download size apt-cache records for {@code name}, or -1. */
    public long size(String name) {
        Result r = run(Path.of("."), "apt-cache", "show", "--no-all-versions", name);
        for (String line : r.stdout().lines().toList()) {
            if (line.startsWith("Size:")) {
                try {
                    return Long.parseLong(line.substring(5).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** Downloads {@code name}'s .deb into {@code dir}, reporting bytes as they arrive; returns the file. */
    public Path download(String name, Path dir) {
        require("apt-get");
        long total = size(name);
        progress.step("downloading " + name + (total > 0 ? " (" + Progress.megabytes(total) + ")" : ""));
        Path into = dir.resolve("download-" + name);
        try {
            Files.createDirectories(into);
        } catch (IOException e) {
            throw new KitException("cannot create " + into + ": " + e.getMessage());
        }
        Thread watcher = Thread.ofVirtual().start(() -> watch(into, name, total));
        try {
            run(into, "apt-get", "download", name);
        } finally {
            watcher.interrupt();
        }
        try (Stream<Path> files = Files.list(into)) {
            List<Path> debs = files.filter(p -> p.toString().endsWith(".deb")).toList();
            if (debs.size() != 1) {
                throw new KitException("apt-get download " + name + " left " + debs.size() + " .deb files, not one");
            }
            progress.bytes(name, Files.size(debs.get(0)), total, true);
            return debs.get(0);
        } catch (IOException e) {
            throw new KitException("cannot list " + into + ": " + e.getMessage());
        }
    }

    private void watch(Path dir, String name, long total) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(250);
                long bytes = 0;
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.filter(Files::isRegularFile).toList()) {
                        bytes += Files.size(p);
                    }
                } catch (IOException e) {
                    continue;
                }
                progress.bytes(name, bytes, total, false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unpacks {@code deb} into {@code dir} with dpkg-deb -x. */
    public void unpack(Path deb, Path dir) {
        require("dpkg-deb");
        progress.step("unpacking " + deb.getFileName());
        run(deb.getParent(), "dpkg-deb", "-x", deb.toString(), dir.toString());
    }

    /** A control field of a .deb, e.g. its Version. */
    public String field(Path deb, String name) {
        return run(deb.getParent(), "dpkg-deb", "--field", deb.toString(), name).stdout().trim();
    }

    record Result(String stdout, String stderr) { }

    static Result run(Path dir, String... command) {
        try {
            Path err = Files.createTempFile("jvisor-kit", ".err");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectError(err.toFile()).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new KitException(String.join(" ", command) + " did not finish in " + TIMEOUT_MINUTES
                            + " minutes");
                }
                String stderr = Files.readString(err);
                if (p.exitValue() != 0) {
                    throw new KitException(String.join(" ", command) + " failed (exit " + p.exitValue() + ")"
                            + lastError(stderr));
                }
                return new Result(out, stderr);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new KitException("cannot run " + command[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KitException(command[0] + " was interrupted");
        }
    }

    /** The most telling line of a tool's error output: its last "E:" line, else its last line. */
    static String lastError(String stderr) {
        List<String> lines = new ArrayList<>(stderr.lines().filter(l -> !l.isBlank()).toList());
        if (lines.isEmpty()) {
            return "";
        }
        String pick = lines.reversed().stream().filter(l -> l.startsWith("E:")).findFirst().orElse(lines.getLast());
        return ": " + pick.trim();
    }
}
