package jvisor.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Disk images for guest tests: script disks, copies of the kit's images, and e2fsprogs' debugfs to look inside. */
public final class Disks {
    private Disks() { }

    /**
     * A raw disk holding {@code script}, padded with zeros to whole sectors: the kit's init runs it
     * when the kernel command line says {@code jvisor.script=/dev/vdX}.
     */
    public static Path script(Path dir, String name, String script) throws IOException {
        byte[] text = script.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(name);
        Files.write(file, java.util.Arrays.copyOf(text, (text.length + 511) / 512 * 512 + 512));
        return file;
    }

    /** debugfs by full path, or the test is skipped. */
    public static Path debugfs() {
        for (String d : new String[] {"/usr/sbin", "/sbin", "/usr/bin"}) {
            Path p = Path.of(d, "debugfs");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        assumeTrue(false, "debugfs is not installed (apt-get install e2fsprogs)");
        return null;
    }

    /** The content of {@code path} inside the ext4 image, read with debugfs (no mount, no root). */
    public static String readFile(Path image, String path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(debugfs().toString(), "-R", "cat " + path, image.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /** Copies {@code path} out of the ext4 image to {@code out} with debugfs; returns {@code out}. */
    public static Path dump(Path image, String path, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(debugfs().toString(), "-R", "dump " + path + " " + out, image.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    public static String sha256(Path file) throws IOException {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(d.digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
