package jvisor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BadInputException;
import jvisor.boot.MemorySize;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;

/**
 * {@code ./jvisor bench disk}: disk throughput inside a Linux guest on a virtio-blk disk, jvisor
 * (emu engine) against QEMU TCG with {@code -device virtio-blk-pci} on the same kind of image,
 * the same kernel, initrd and guest program, rounds alternating so the machine's load hits both.
 * The guest program (guests/linux/diskbench.c, no libc) uses O_DIRECT: sequential 1 MiB writes
 * and reads over the image, then random 4 KiB reads and writes; the host prints MB/s and IOPS.
 */
final class DiskBench {
    private static final long TIMEOUT_SECONDS = 900;
    private static final Pattern RESULT = Pattern.compile("diskbench (\\w+) block=(\\d+) bytes=(\\d+) usec=(\\d+)");
    static final List<String> MODES = List.of("seqwrite", "seqread", "randread", "randwrite");

    record Options(int rounds, int cpus, long memory, int sizeMib, int ops, boolean qemu) {
        static Options parse(List<String> args) {
            int rounds = 3;
            int cpus = 1;
            long memory = 512L << 20;
            int size = 128;
            int ops = 2000;
            boolean qemu = true;
            for (String a : args) {
                int eq = a.indexOf('=');
                String key = eq < 0 ? a : a.substring(0, eq);
                String value = eq < 0 ? "" : a.substring(eq + 1);
                switch (key) {
                    case "rounds" -> rounds = positive(a, value);
                    case "cpus" -> cpus = positive(a, value);
                    case "memory" -> memory = MemorySize.parse(value);
                    case "size" -> size = (int) (MemorySize.parse(value) >> 20);
                    case "ops" -> ops = positive(a, value);
                    case "--no-qemu" -> qemu = false;
                    default -> throw new BadInputException("unknown option '" + a
                            + "': use ./jvisor bench disk [rounds=N] [cpus=N] [memory=512M] [size=128M] [ops=N] [--no-qemu]");
                }
            }
            if (size < 4) {
                throw new BadInputException("bench disk: size must be at least 4M");
            }
            return new Options(rounds, cpus, memory, size, ops, qemu);
        }

        private static int positive(String arg, String value) {
            try {
                int n = Integer.parseInt(value);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadInputException(arg + ": needs a positive number");
        }
    }

    /** One mode's figures in one round. */
    record Figure(double megabytesPerSecond, double iops) { }

    private DiskBench() { }

    static int run(List<String> args) {
        try {
            return measure(Options.parse(args));
        } catch (IOException e) {
            throw new BadInputException("bench disk: " + e.getMessage());
        }
    }

    private static int measure(Options o) throws IOException {
        GuestKit.Kit kit = GuestKit.cached().orElse(null);
        if (kit == null) {
            System.out.println("bench disk: no guest kit: build it with ./jvisor guest fetch");
            return 1;
        }
        boolean qemu = o.qemu() && DebianPackages.available("qemu-system-x86_64");
        Path work = Files.createTempDirectory("jvisor-bench-disk");
        try {
            Path script = work.resolve("script.img");
            Files.write(script, padded(guestScript(o).getBytes(StandardCharsets.US_ASCII)));
            PrintStream out = System.out;
            out.printf(Locale.ROOT, "kit %s, %d cpu(s), %s guest RAM, %d MiB test disk, %d random ops; load %s%n",
                    kit.directory(), o.cpus(), MemorySize.format(o.memory()), o.sizeMib(), o.ops(), BootBench.loadAverage());
            if (o.qemu() && !qemu) {
                out.println("bench disk: qemu-system-x86_64 is not installed; timing jvisor alone");
            }
            out.printf(Locale.ROOT, "%-6s %-6s %12s %12s %12s %12s%n", "round", "", "seqwrite", "seqread", "randread",
                    "randwrite");
            out.printf(Locale.ROOT, "%-6s %-6s %12s %12s %12s %12s%n", "", "", "MB/s", "MB/s", "IOPS", "IOPS");
            List<Map<String, Figure>> jvisor = new ArrayList<>();
            List<Map<String, Figure>> tcg = new ArrayList<>();
            for (int n = 1; n <= o.rounds(); n++) {
                Path disk = freshDisk(work, o);
                jvisor.add(jvisor(kit, disk, script, o));
                print(out, Integer.toString(n), "jvisor", jvisor.getLast());
                if (qemu) {
                    disk = freshDisk(work, o);
                    tcg.add(qemu(kit, disk, script, o));
                    print(out, Integer.toString(n), "TCG", tcg.getLast());
                }
            }
            Map<String, Figure> j = median(jvisor);
            print(out, "median", "jvisor", j);
            if (qemu) {
                Map<String, Figure> t = median(tcg);
                print(out, "median", "TCG", t);
                out.printf(Locale.ROOT, "%-13s %12s %12s %12s %12s%n", "jvisor/TCG", ratio(j, t, "seqwrite"),
                        ratio(j, t, "seqread"), ratio(j, t, "randread"), ratio(j, t, "randwrite"));
            }
            out.printf(Locale.ROOT, "load at end: %s%n", BootBench.loadAverage());
            return 0;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String ratio(Map<String, Figure> a, Map<String, Figure> b, String mode) {
        double x = mode.startsWith("seq") ? a.get(mode).megabytesPerSecond() / b.get(mode).megabytesPerSecond()
                : a.get(mode).iops() / b.get(mode).iops();
        return String.format(Locale.ROOT, "%.2fx", x);
    }

    /** A sparse image for one round: every round starts from the same empty disk. */
    private static Path freshDisk(Path work, Options o) throws IOException {
        Path disk = work.resolve("disk.img");
        Files.deleteIfExists(disk);
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength((long) o.sizeMib() << 20);
        }
        return disk;
    }

    /** The script the kit's init runs: unpack diskbench, run each mode on /dev/vda. */
    static String guestScript(Options o) throws IOException {
        byte[] program;
        try (InputStream in = DiskBench.class.getResourceAsStream("/guests/linux/diskbench")) {
            if (in == null) {
                throw new BadInputException("bench disk: this build has no guests/linux/diskbench (rebuild jvisor)");
            }
            program = in.readAllBytes();
        }
        StringBuilder s = new StringBuilder("base64 -d > /tmp/diskbench <<'PROGRAM'\n");
        s.append(Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(program)).append("\nPROGRAM\n");
        s.append("chmod +x /tmp/diskbench\n");
        s.append("/tmp/diskbench /dev/vda seqwrite 1048576 ").append(o.sizeMib()).append('\n');
        s.append("/tmp/diskbench /dev/vda seqread 1048576 ").append(o.sizeMib()).append('\n');
        s.append("/tmp/diskbench /dev/vda randread 4096 ").append(o.sizeMib()).append(' ').append(o.ops()).append('\n');
        s.append("/tmp/diskbench /dev/vda randwrite 4096 ").append(o.sizeMib()).append(' ').append(o.ops()).append('\n');
        return s.toString();
    }

    private static byte[] padded(byte[] text) {
        return java.util.Arrays.copyOf(text, (text.length + 511) / 512 * 512 + 512);
    }

    private static String cmdline() {
        return GuestKit.CMDLINE + " " + InitScript.SCRIPT_OPTION + "/dev/vdb " + InitScript.TEST_OPTION;
    }

    private static Map<String, Figure> jvisor(GuestKit.Kit kit, Path disk, Path script, Options o) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(BootBench.childJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "jvisor.Main", "run", "--engine", "emu",
                "--cpus", Integer.toString(o.cpus()), "--memory", (o.memory() >> 20) + "M",
                "--kernel", kit.vmlinuz().toString(), "--initrd", kit.initrd().toString(),
                "--drive", "file=" + disk, "--drive", "file=" + script + ",readonly=on", "--cmdline", cmdline()));
        return results("jvisor", TimedBoot.run(cmd, InitScript.POWEROFF, TIMEOUT_SECONDS));
    }

    private static Map<String, Figure> qemu(GuestKit.Kit kit, Path disk, Path script, Options o) throws IOException {
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-m", Long.toString(o.memory() >> 20),
                "-smp", Integer.toString(o.cpus()), "-kernel", kit.vmlinuz().toString(), "-initrd", kit.initrd().toString(),
                "-append", cmdline(),
                "-drive", "if=none,id=d0,format=raw,file=" + disk,
                "-device", "virtio-blk-pci,drive=d0,disable-legacy=on",
                "-drive", "if=none,id=d1,format=raw,readonly=on,file=" + script,
                "-device", "virtio-blk-pci,drive=d1,disable-legacy=on",
                "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot");
        return results("QEMU TCG", TimedBoot.run(cmd, InitScript.POWEROFF, TIMEOUT_SECONDS));
    }

    private static Map<String, Figure> results(String what, TimedBoot b) {
        Map<String, Figure> figures = new LinkedHashMap<>();
        Matcher m = RESULT.matcher(b.output());
        while (m.find()) {
            double seconds = Long.parseLong(m.group(4)) / 1e6;
            long bytes = Long.parseLong(m.group(3));
            long block = Long.parseLong(m.group(2));
            figures.put(m.group(1), new Figure(bytes / seconds / 1e6, bytes / block / seconds));
        }
        if (!figures.keySet().containsAll(MODES)) {
            throw new BadInputException(what + " did not run every disk test (exit status " + b.exitStatus()
                    + "); its output:\n" + b.output() + b.errors());
        }
        return figures;
    }

    private static void print(PrintStream out, String round, String who, Map<String, Figure> f) {
        out.printf(Locale.ROOT, "%-6s %-6s %12.1f %12.1f %12.0f %12.0f%n", round, who, f.get("seqwrite").megabytesPerSecond(),
                f.get("seqread").megabytesPerSecond(), f.get("randread").iops(), f.get("randwrite").iops());
    }

    private static Map<String, Figure> median(List<Map<String, Figure>> rounds) {
        Map<String, Figure> m = new LinkedHashMap<>();
        for (String mode : MODES) {
            double[] mb = rounds.stream().mapToDouble(r -> r.get(mode).megabytesPerSecond()).sorted().toArray();
            double[] io = rounds.stream().mapToDouble(r -> r.get(mode).iops()).sorted().toArray();
            m.put(mode, new Figure(mb[mb.length / 2], io[io.length / 2]));
        }
        return m;
    }
}
