package jvisor.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import jvisor.boot.BadInputException;
import jvisor.boot.MemorySize;
import jvisor.guest.linux.VmlinuxCache;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;

/**
 * {@code ./jvisor bench boot}: boots the Linux guest kit on the emu engine and under QEMU TCG with
 * the same kernel, initrd and command line, alternating round by round so a change in the
 * machine's load hits both, and prints for each the seconds from process start to /init's marker
 * line and to power-off, the ratio emu/TCG, and the emu's instruction count and MIPS. Each emu
 * round is a fresh JVM ({@link BootChild}) with this JVM's options, as a user's boot would be; it
 * reports where its CPU time went (the guest's processors, HotSpot's C2 and C1 compilers, tier 1's
 * region generator), which shows when compiling competes with the processors for the cores.
 *
 * <p>Two TCG references: QEMU given the bzImage, as its users boot it, whose decompressor then runs
 * in the guest (Debian's xz kernel: about 4.5 billion guest instructions, 3 s of TCG's boot); and
 * QEMU given the vmlinux jvisor decompressed on the host ({@link VmlinuxCache}), entered at its
 * PVH entry without that decompressor, as jvisor's default entry does: the engines' speed on the
 * same guest work.
 */
final class BootBench {
    static final String CMDLINE = GuestKit.CMDLINE + " " + InitScript.TEST_OPTION;
    private static final long TIMEOUT_SECONDS = 600;

    /** The options: rounds, processors, memory, where the kit is, whether QEMU runs too. */
    record Options(int rounds, int cpus, long memory, Path kit, boolean qemu) {
        static Options parse(List<String> args) {
            int rounds = 3;
            int cpus = 1;
            long memory = 512L << 20;
            Path kit = null;
            boolean qemu = true;
            for (String a : args) {
                int eq = a.indexOf('=');
                String key = eq < 0 ? a : a.substring(0, eq);
                String value = eq < 0 ? "" : a.substring(eq + 1);
                switch (key) {
                    case "rounds" -> rounds = positive(a, value);
                    case "cpus" -> cpus = positive(a, value);
                    case "memory" -> memory = MemorySize.parse(value);
                    case "kit" -> kit = Path.of(value);
                    case "--no-qemu" -> qemu = false;
                    default -> throw new BadInputException("unknown option '" + a
                            + "': use ./jvisor bench boot [rounds=N] [cpus=N] [memory=512M] [kit=DIR] [--no-qemu]");
                }
            }
            return new Options(rounds, cpus, memory, kit, qemu);
        }

        static int positive(String arg, String value) {
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

    /**
     * One boot's figures; instructions is -1 and cpu null where unknown (QEMU). {@code modules} is
     * the seconds from /init's uptime line to its modules line, i.e. the insmods (whose module
     * signatures the kernel hashes and checks): guest work alone, without start-up or firmware;
     * -1 if either line is missing.
     */
    record Round(double toInit, double toPowerOff, long instructions, ThreadCpu.Split cpu, double modules) {
        Round(double toInit, double toPowerOff, long instructions) {
            this(toInit, toPowerOff, instructions, null, -1);
        }

        Round(double toInit, double toPowerOff, long instructions, ThreadCpu.Split cpu) {
            this(toInit, toPowerOff, instructions, cpu, -1);
        }

        /** The module phase of a boot whose markers are {@link #MARKERS}. */
        static double modules(TimedBoot b) {
            double uptime = b.markers().get(1);
            double modules = b.markers().get(2);
            return uptime < 0 || modules < 0 ? -1 : modules - uptime;
        }
    }

    /** The lines a boot is timed to: /init's marker, then the lines before and after its insmods. */
    static final List<String> MARKERS = List.of(InitScript.MARKER, InitScript.UPTIME_PREFIX, InitScript.MODULES_PREFIX);

    private BootBench() { }

    static int run(List<String> args) {
        Options o = Options.parse(args);
        Path dir = o.kit() != null ? o.kit() : newestKit(GuestKit.defaultRoot());
        if (dir == null || !Files.isRegularFile(dir.resolve(GuestKit.VMLINUZ)) || !Files.isRegularFile(dir.resolve(GuestKit.INITRD))) {
            System.out.println("bench boot: no guest kit " + (dir == null ? "in " + GuestKit.defaultRoot() : "in " + dir)
                    + ": build it with ./jvisor guest fetch");
            return 1;
        }
        Path vmlinuz = dir.resolve(GuestKit.VMLINUZ);
        Path initrd = dir.resolve(GuestKit.INITRD);
        boolean qemu = o.qemu() && DebianPackages.available("qemu-system-x86_64");
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "kit %s, %d cpu(s), %s, cmdline \"%s\"%n", dir, o.cpus(), MemorySize.format(o.memory()),
                CMDLINE);
        if (o.qemu() && !qemu) {
            out.println("bench boot: qemu-system-x86_64 is not installed; timing the emu engine alone");
        }
        out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        out.printf(Locale.ROOT, "%-6s %-11s %10s %10s %10s %14s %8s   %s%n", "round", "", "to /init", "to off", "modules",
                "instructions", "MIPS", "CPU seconds: processors, C2, C1, tier 1 / process");
        List<Round> emu = new ArrayList<>();
        List<Round> tcg = new ArrayList<>();
        List<Round> tcgVmlinux = new ArrayList<>();
        Path vmlinux = null;
        for (int n = 1; n <= o.rounds(); n++) {
            Round e = emu(vmlinuz, initrd, o);
            emu.add(e);
            print(out, Integer.toString(n), "emu", e);
            if (qemu) {
                Round t = qemu(vmlinuz, initrd, o, true);
                tcg.add(t);
                print(out, Integer.toString(n), "TCG", t);
                if (n == 1) {
                    vmlinux = decompressed(vmlinuz);
                }
                if (n == 1 && vmlinux == null) {
                    out.println("bench boot: no decompressed vmlinux in jvisor's cache; timing TCG on the bzImage alone");
                }
                Round v = vmlinux == null ? null : qemu(vmlinux, initrd, o, false);
                if (v != null) {
                    tcgVmlinux.add(v);
                    print(out, Integer.toString(n), TCG_VMLINUX, v);
                } else if (vmlinux != null) {
                    out.println("bench boot: QEMU did not boot the decompressed vmlinux (a kernel without a PVH entry?);"
                            + " timing TCG on the bzImage alone");
                    vmlinux = null;
                }
            }
        }
        Round e = median(emu);
        print(out, "median", "emu", e);
        if (qemu) {
            Round t = median(tcg);
            print(out, "median", "TCG", t);
            Round v = tcgVmlinux.isEmpty() ? null : median(tcgVmlinux);
            if (v != null) {
                print(out, "median", TCG_VMLINUX, v);
            }
            out.printf(Locale.ROOT, "emu/TCG: %.2fx to /init, %.2fx to power-off, %s in the module phase (TCG runs the"
                    + " bzImage's decompressor, jvisor decompresses on the host)%n", e.toInit() / t.toInit(),
                    e.toPowerOff() / t.toPowerOff(), ratio(e.modules(), t.modules()));
            if (v != null) {
                out.printf(Locale.ROOT, "emu/%s: %.2fx to /init, %.2fx to power-off, %s in the module phase (both enter"
                        + " the decompressed kernel)%n", TCG_VMLINUX, e.toInit() / v.toInit(), e.toPowerOff() / v.toPowerOff(),
                        ratio(e.modules(), v.modules()));
            }
        }
        out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
        return 0;
    }

    private static final String TCG_VMLINUX = "TCG vmlinux";

    /** {@code a / b} as a ratio, or "-" where either is unknown. */
    static String ratio(double a, double b) {
        return a < 0 || b <= 0 ? "-" : String.format(Locale.ROOT, "%.2fx", a / b);
    }

    /** The vmlinux jvisor's emu rounds decompressed {@code vmlinuz} into, in the user's cache; null if there is none. */
    private static Path decompressed(Path vmlinuz) {
        try {
            return VmlinuxCache.forUser().existing(Files.readAllBytes(vmlinuz));
        } catch (IOException e) {
            return null;
        }
    }

    private static void print(PrintStream out, String round, String engine, Round r) {
        String instructions = r.instructions() < 0 ? "-" : Long.toString(r.instructions());
        String mips = r.instructions() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.instructions() / r.toPowerOff() / 1e6);
        String cpu = r.cpu() == null ? "" : String.format(Locale.ROOT, "   %.2f, %.2f, %.2f, %.2f / %.2f",
                r.cpu().processors(), r.cpu().c2(), r.cpu().c1(), r.cpu().tier1(), r.cpu().total());
        String modules = r.modules() < 0 ? "-" : String.format(Locale.ROOT, "%.2f s", r.modules());
        out.printf(Locale.ROOT, "%-6s %-11s %8.2f s %8.2f s %10s %14s %8s%s%n", round, engine, r.toInit(), r.toPowerOff(),
                modules, instructions, mips, cpu);
    }

    private static Round emu(Path vmlinuz, Path initrd, Options o) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(childJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BootChild.class.getName(),
                vmlinuz.toString(), initrd.toString(), Long.toString(o.memory()), Integer.toString(o.cpus()), CMDLINE));
        TimedBoot b = boot("the emu engine", cmd);
        String count = b.reported(BootChild.INSTRUCTIONS);
        return new Round(b.markerSeconds(), b.exitSeconds(), count == null ? -1 : Long.parseLong(count),
                ThreadCpu.Split.parse(b.reported(ThreadCpu.Split.PREFIX)), Round.modules(b));
    }

    /**
     * A boot of {@code kernel} (a bzImage, or a vmlinux ELF QEMU enters at its PVH entry) under QEMU
     * TCG. If it does not boot, the bench fails when {@code required}; else this returns null.
     */
    private static Round qemu(Path kernel, Path initrd, Options o, boolean required) {
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-m", Long.toString(o.memory() >> 20),
                "-smp", Integer.toString(o.cpus()), "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-append", CMDLINE, "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot");
        TimedBoot b;
        if (required) {
            b = boot("QEMU TCG", cmd);
        } else {
            try {
                b = TimedBoot.run(cmd, MARKERS, TIMEOUT_SECONDS);
            } catch (IOException e) {
                return null;
            }
            if (!booted(b)) {
                return null;
            }
        }
        return new Round(b.markerSeconds(), b.exitSeconds(), -1, null, Round.modules(b));
    }

    /** Whether the boot reached /init's marker and its process exited normally. */
    private static boolean booted(TimedBoot b) {
        return b.markerSeconds() >= 0 && b.exitStatus() == 0;
    }

    private static TimedBoot boot(String what, List<String> cmd) {
        TimedBoot b;
        try {
            b = TimedBoot.run(cmd, MARKERS, TIMEOUT_SECONDS);
        } catch (IOException e) {
            throw new BadInputException("cannot start " + what + ": " + e.getMessage());
        }
        if (!booted(b)) {
            throw new BadInputException(what + " did not boot to /init and power off (exit status " + b.exitStatus()
                    + "); its output:\n" + b.output() + b.errors());
        }
        return b;
    }

    /** This JVM's options for the child, without agents and recordings that would clash with ours. */
    static List<String> childJvmOptions(List<String> mine) {
        return mine.stream().filter(a -> !a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agent")
                && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp") && !a.startsWith("-XX:FlightRecorderOptions"))
                .toList();
    }

    /** Per column, the median over the rounds (the upper one of an even count). */
    static Round median(List<Round> rounds) {
        List<ThreadCpu.Split> cpu = rounds.stream().map(Round::cpu).filter(c -> c != null).toList();
        ThreadCpu.Split medianCpu = cpu.size() < rounds.size() ? null : new ThreadCpu.Split(
                middle(cpu.stream().mapToDouble(ThreadCpu.Split::processors).sorted().toArray()),
                middle(cpu.stream().mapToDouble(ThreadCpu.Split::c2).sorted().toArray()),
                middle(cpu.stream().mapToDouble(ThreadCpu.Split::c1).sorted().toArray()),
                middle(cpu.stream().mapToDouble(ThreadCpu.Split::tier1).sorted().toArray()),
                middle(cpu.stream().mapToDouble(ThreadCpu.Split::total).sorted().toArray()));
        return new Round(middle(rounds.stream().mapToDouble(Round::toInit).sorted().toArray()),
                middle(rounds.stream().mapToDouble(Round::toPowerOff).sorted().toArray()),
                (long) middle(rounds.stream().mapToDouble(Round::instructions).sorted().toArray()), medianCpu,
                middle(rounds.stream().mapToDouble(Round::modules).sorted().toArray()));
    }

    private static double middle(double[] sorted) {
        return sorted[sorted.length / 2];
    }

    /** The most recently built kit directory under {@code root}, or null. */
    static Path newestKit(Path root) {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(GuestKit.VMLINUZ))
                            && Files.isRegularFile(d.resolve(GuestKit.INITRD)))
                    .max(Comparator.comparing(d -> d.toFile().lastModified())).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
