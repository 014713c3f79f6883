package jvisor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BadInputException;
import jvisor.storage.luks.LuksFormat;
import jvisor.storage.luks.LuksVolume;
import jvisor.storage.luks.XtsCipher;

/**
 * {@code ./jvisor bench xts}: AES-256-XTS on 4 KiB sectors (what a LUKS aes-xts-plain64 volume
 * with a 512-bit key does per sector), jvisor's {@link XtsCipher} against
 * {@code openssl speed -evp aes-256-xts -bytes 4096} in the same run, rounds alternating. Both are
 * timed in the CPU time of the thread doing the work, which is what openssl speed reports by
 * default, so the ratio holds on a machine other work is loading. Then the time to unlock a
 * volume as {@code disk create --luks} makes it, in jvisor and in cryptsetup.
 */
final class XtsBench {
    static final int SECTOR = 4096;
    static final double TARGET_RATIO = 1.5;
    private static final long ROUND_CPU_NANOS = 1_000_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private XtsBench() { }

    static int run(List<String> args) {
        int rounds = 5;
        boolean openssl = true;
        boolean unlock = true;
        for (String a : args) {
            if (a.startsWith("rounds=")) {
                try {
                    rounds = Integer.parseInt(a.substring(7));
                } catch (NumberFormatException e) {
                    rounds = 0;
                }
                if (rounds < 1 || rounds > 100) {
                    throw new BadInputException("rounds must be 1 to 100: " + a);
                }
            } else if (a.equals("--no-openssl")) {
                openssl = false;
            } else if (a.equals("--no-unlock")) {
                unlock = false;
            } else {
                throw new BadInputException("unknown option '" + a + "' for bench xts: use rounds=N --no-openssl --no-unlock");
            }
        }
        throughput(rounds, openssl && onPath("openssl"));
        if (unlock) {
            unlock();
        }
        return 0;
    }

    private static void throughput(int rounds, boolean openssl) {
        byte[] key = new byte[64];
        new SecureRandom().nextBytes(key);
        XtsCipher xts = new XtsCipher(key);
        byte[] plain = new byte[16 * SECTOR];
        byte[] cipher = new byte[16 * SECTOR];
        new SecureRandom().nextBytes(plain);
        System.out.println("AES-256-XTS (aes-xts-plain64, 512-bit key), 4096-byte sectors, MB/s (10^6 bytes) per second of thread CPU time");
        System.out.println("warming up...");
        java(xts, true, SECTOR, plain, cipher, 3 * ROUND_CPU_NANOS);
        java(xts, false, SECTOR, cipher, plain, 3 * ROUND_CPU_NANOS);
        double[][] r = new double[6][rounds];
        for (int i = 0; i < rounds; i++) {
            r[0][i] = java(xts, true, SECTOR, plain, cipher, ROUND_CPU_NANOS);
            r[1][i] = java(xts, false, SECTOR, cipher, plain, ROUND_CPU_NANOS);
            r[2][i] = java(xts, true, 16 * SECTOR, plain, cipher, ROUND_CPU_NANOS);
            r[3][i] = java(xts, false, 16 * SECTOR, cipher, plain, ROUND_CPU_NANOS);
            if (openssl) {
                r[4][i] = openssl(false);
                r[5][i] = openssl(true);
            }
        }
        System.out.printf(Locale.ROOT, "%-36s %20s %20s%n", "(median of " + rounds + " rounds; best)", "encrypt", "decrypt");
        row("jvisor, one sector per call", r[0], r[1]);
        row("jvisor, 16 sectors (64 KiB) per call", r[2], r[3]);
        if (openssl) {
            row("openssl speed -evp aes-256-xts", r[4], r[5]);
            System.out.printf(Locale.ROOT, "%-36s %20.2f %20.2f   (target: at most %.1f)%n", "openssl / jvisor (one sector, medians)",
                    median(r[4]) / median(r[0]), median(r[5]) / median(r[1]), TARGET_RATIO);
        } else {
            System.out.println("openssl is not installed (or --no-openssl): no reference figures");
        }
    }

    private static void row(String name, double[] enc, double[] dec) {
        System.out.printf(Locale.ROOT, "%-36s %11.0f (%6.0f) %11.0f (%6.0f)%n", name, median(enc), max(enc), median(dec), max(dec));
    }

    /** MB/s of thread CPU time, {@code request} bytes (whole sectors) per call, each call new IVs. */
    private static double java(XtsCipher xts, boolean encrypt, int request, byte[] in, byte[] out, long cpuNanos) {
        long start = THREADS.getCurrentThreadCpuTime();
        long bytes = 0;
        long iv = 0;
        long used;
        do {
            for (int i = 0; i < 256; i++) {
                if (encrypt) {
                    xts.encrypt(iv, SECTOR / 512, SECTOR, in, 0, out, 0, request);
                } else {
                    xts.decrypt(iv, SECTOR / 512, SECTOR, in, 0, out, 0, request);
                }
                iv += request / 512;
                bytes += request;
            }
            used = THREADS.getCurrentThreadCpuTime() - start;
        } while (used < cpuNanos);
        return bytes / (used / 1e9) / 1e6;
    }

    /** openssl speed's own figure (bytes per second of user CPU time), in MB/s. */
    private static double openssl(boolean decrypt) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "speed", "-mr", "-seconds", "1", "-bytes", Integer.toString(SECTOR)));
        if (decrypt) {
            cmd.add("-decrypt");
        }
        cmd.addAll(List.of("-evp", "aes-256-xts"));
        String out = runForOutput(cmd);
        for (String line : out.split("\n")) {
            if (line.startsWith("+F:")) {
                String[] f = line.strip().split(":");
                return Double.parseDouble(f[f.length - 1]) / 1e6;
            }
        }
        throw new IllegalStateException("openssl speed printed no +F line:\n" + out);
    }

    /** Unlocking a volume as disk create makes it: in this JVM (the first time includes warm-up) and in cryptsetup. */
    private static void unlock() {
        byte[] passphrase = "benchmark passphrase".getBytes(StandardCharsets.UTF_8);
        Path dir;
        try {
            dir = Files.createTempDirectory("jvisor-xts-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path image = dir.resolve("bench.img");
        try {
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            LuksFormat.create(image, 1 << 20, passphrase);
            double create = (System.nanoTime() - t0) / 1e9;
            double createCpu = (processCpuNanos() - cpu0) / 1e9;
            LuksFormat.Argon2id kdf = (LuksFormat.Argon2id) LuksFormat.Options.DEFAULT.kdf();
            System.out.printf(Locale.ROOT, "%nunlock of a 'disk create --luks' volume (argon2id, %d MiB, %d passes, %d lanes;"
                    + " created in %.2f s, process CPU %.2f s):%n", kdf.memoryKiB() / 1024, kdf.passes(), kdf.lanes(), create, createCpu);
            for (int i = 0; i < 3; i++) {
                long s = System.nanoTime();
                long cpu = processCpuNanos();
                try (LuksVolume v = LuksVolume.open(image, passphrase, true)) {
                    System.out.printf(Locale.ROOT, "  jvisor LuksVolume.open%s: %.2f s (process CPU %.2f s)%n", i == 0 ? ", first in this JVM" : "",
                            (System.nanoTime() - s) / 1e9, (processCpuNanos() - cpu) / 1e9);
                }
            }
            if (onPath("cryptsetup") && onPath("bash")) {
                // bash's time keyword gives cryptsetup's own CPU time besides the wall time.
                Process p = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%R %U %S'; time cryptsetup open --test-passphrase --key-file - \"$0\"",
                        image.toString()).start();
                try (var in = p.getOutputStream()) {
                    in.write(passphrase);
                }
                p.getInputStream().readAllBytes();
                String[] times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip().lines()
                        .reduce((a, b) -> b).orElse("").split(" ");
                boolean ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 && times.length == 3;
                if (ok) {
                    System.out.printf(Locale.ROOT, "  cryptsetup open --test-passphrase: %s s (CPU %.2f s)%n", times[0],
                            Double.parseDouble(times[1]) + Double.parseDouble(times[2]));
                } else {
                    System.out.println("  cryptsetup open --test-passphrase failed on the volume");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(image);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // A temporary file left behind is harmless.
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String runForOutput(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String tool) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
