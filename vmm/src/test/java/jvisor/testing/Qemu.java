package jvisor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** QEMU TCG running the same image, as the reference jvisor is compared with. */
public final class Qemu {
    public static final String BINARY = "qemu-system-x86_64";

    private Qemu() { }

    public static boolean installed() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, BINARY))) {
                return true;
            }
        }
        return false;
    }

    /** A built-in guest image written to a temporary file QEMU can read. */
    public static Path builtinImage(String guest) throws IOException {
        Path file = Files.createTempFile("jvisor-" + guest, ".elf");
        file.toFile().deleteOnExit();
        try (InputStream in = Qemu.class.getResourceAsStream("/guests/" + guest + ".elf")) {
            if (in == null) {
                throw new IOException("no built-in guest " + guest);
            }
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    /** Runs {@code kernel} under QEMU TCG the way guests/README.md describes; returns status and serial output. */
    public static GuestRun run(Path kernel, int cpus, String memory, String append, long timeoutSeconds)
            throws IOException, InterruptedException {
        return run(kernel, cpus, memory, append, List.of(), timeoutSeconds);
    }

    /** The same with {@code extra} arguments after the standard ones (devices, say). */
    public static GuestRun run(Path kernel, int cpus, String memory, String append, List<String> extra,
                               long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BINARY, "-accel", "tcg", "-display", "none", "-serial", "stdio",
                "-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-m", memory, "-smp", Integer.toString(cpus), "-kernel", kernel.toString()));
        if (append != null) {
            cmd.add("-append");
            cmd.add(append);
        }
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        reader.join();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new GuestRun(p.exitValue(), new String(out[0], StandardCharsets.ISO_8859_1), err);
    }
}
