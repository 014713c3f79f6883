package jvisor.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jvisor.Main;
import jvisor.boot.BadInputException;
import jvisor.boot.MemorySize;
import jvisor.firmware.FirmwareImages;
import jvisor.firmware.SeaBios;
import jvisor.kit.BootDisk;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.Progress;

/**
 * {@code ./jvisor bench firmware}: boots the kit's disk through SeaBIOS and GRUB on the emu engine
 * and under QEMU TCG with the same BIOS image and a copy of the same disk, alternating round by
 * round, and prints the seconds from process start to the boot loader (a line GRUB's grub.cfg
 * echoes) and to /init's marker, and the ratios emu/TCG. The copy's grub.cfg boots straight (no
 * menu timeout) with the console on the serial port and the kit's test option, so Linux powers off
 * after /init's marker. Each emu round is a fresh JVM running {@code jvisor run}, as a user's is.
 */
final class FirmwareBench {
    static final String LOADER_MARKER = "jvisor-bench: boot loader";
    private static final long TIMEOUT_SECONDS = 900;

    /** The options: rounds, memory, which disk, whether QEMU runs too. */
    record Options(int rounds, long memory, Path disk, boolean qemu) {
        static Options parse(List<String> args) {
            int rounds = 3;
            long memory = 512L << 20;
            Path disk = null;
            boolean qemu = true;
            for (String a : args) {
                int eq = a.indexOf('=');
                String key = eq < 0 ? a : a.substring(0, eq);
                String value = eq < 0 ? "" : a.substring(eq + 1);
                switch (key) {
                    case "rounds" -> rounds = BootBench.Options.positive(a, value);
                    case "memory" -> memory = MemorySize.parse(value);
                    case "disk" -> disk = Path.of(value);
                    case "--no-qemu" -> qemu = false;
                    default -> throw new BadInputException("unknown option '" + a
                            + "': use ./jvisor bench firmware [rounds=N] [memory=512M] [disk=FILE] [--no-qemu]");
                }
            }
            return new Options(rounds, memory, disk, qemu);
        }
    }

    /** One boot's figures: seconds to the boot loader's line, to /init's marker, to power-off. */
    record Round(double toLoader, double toInit, double toPowerOff) { }

    private FirmwareBench() { }

    static int run(List<String> args) {
        Options o = Options.parse(args);
        Path disk = o.disk() != null ? o.disk() : GuestKit.cachedDisk().orElse(null);
        if (disk == null || !Files.isRegularFile(disk)) {
            System.out.println("bench firmware: no bootable disk" + (disk == null ? "" : " at " + disk)
                    + ": build it with ./jvisor guest fetch --disk");
            return 1;
        }
        FirmwareImages bios = SeaBios.locate(null, Progress.printing(System.out, false));
        boolean qemu = o.qemu() && DebianPackages.available("qemu-system-x86_64");
        PrintStream out = System.out;
        Path work;
        try {
            work = Files.createTempDirectory("jvisor-bench-firmware");
        } catch (IOException e) {
            throw new BadInputException("cannot make a work directory: " + e.getMessage());
        }
        try {
            Path copy = work.resolve("disk.img");
            Files.copy(disk, copy);
            BootDisk.replaceGrubCfg(copy, grubCfg(), work);
            Path sercon = work.resolve("sercon-port");
            Files.write(sercon, new byte[] {(byte) 0xF8, 0x03, 0, 0, 0, 0, 0, 0});
            out.printf(Locale.ROOT, "disk %s (a copy with a bench grub.cfg), BIOS %s, %s%n", disk, bios.biosName(),
                    MemorySize.format(o.memory()));
            if (o.qemu() && !qemu) {
                out.println("bench firmware: qemu-system-x86_64 is not installed; timing the emu engine alone");
            }
            out.printf(Locale.ROOT, "load average at start: %s%n", BootBench.loadAverage());
            out.printf(Locale.ROOT, "%-6s %-4s %10s %10s %10s%n", "round", "", "to GRUB", "to /init", "to off");
            List<Round> emu = new ArrayList<>();
            List<Round> tcg = new ArrayList<>();
            for (int n = 1; n <= o.rounds(); n++) {
                Round e = emu(copy, o);
                emu.add(e);
                print(out, Integer.toString(n), "emu", e);
                if (qemu) {
                    Round t = qemu(copy, Path.of(bios.biosName()), sercon, o);
                    tcg.add(t);
                    print(out, Integer.toString(n), "TCG", t);
                }
            }
            Round e = median(emu);
            print(out, "median", "emu", e);
            if (qemu) {
                Round t = median(tcg);
                print(out, "median", "TCG", t);
                out.println(ratios(e, t));
            }
            out.printf(Locale.ROOT, "load average at end: %s%n", BootBench.loadAverage());
            return 0;
        } catch (IOException e) {
            throw new BadInputException("cannot prepare the disk copy in " + work + ": " + e.getMessage());
        } finally {
            deleteTree(work);
        }
    }

    /** Straight to the kernel with the console on serial; the echo marks GRUB's normal mode reading its config. */
    static String grubCfg() {
        return """
                # Written by jvisor bench firmware.
                echo '%s'
                set timeout=0
                menuentry 'jvisor bench' {
                    linux /boot/vmlinuz %s
                    initrd /boot/initrd.img
                }
                """.formatted(LOADER_MARKER, BootDisk.cmdline(InitScript.TEST_OPTION, false));
    }

    static String ratios(Round emu, Round tcg) {
        return String.format(Locale.ROOT, "emu/TCG: %.2fx to GRUB, %.2fx to /init, %.2fx to power-off",
                emu.toLoader() / tcg.toLoader(), emu.toInit() / tcg.toInit(), emu.toPowerOff() / tcg.toPowerOff());
    }

    private static void print(PrintStream out, String round, String engine, Round r) {
        out.printf(Locale.ROOT, "%-6s %-4s %8.2f s %8.2f s %8.2f s%n", round, engine, r.toLoader(), r.toInit(),
                r.toPowerOff());
    }

    private static Round emu(Path disk, Options o) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(BootBench.childJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--engine", "emu",
                "--drive", "file=" + disk.toString().replace(",", ",,"), "--memory", Long.toString(o.memory() >> 20) + "M",
                "--display", "none"));
        return boot("the emu engine", cmd);
    }

    /**
     * QEMU as the brief's reference: its own VGA BIOS, our BIOS image, the disk on virtio-blk; the
     * sercon file makes SeaBIOS mirror the screen to COM1 as jvisor's fw_cfg asks, so GRUB's line
     * reaches the serial port on both. No network card: QEMU's default one would run iPXE's ROM,
     * which jvisor's machine does not have.
     */
    private static Round qemu(Path disk, Path bios, Path sercon, Options o) {
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-bios", bios.toString(),
                "-fw_cfg", "name=etc/sercon-port,file=" + sercon,
                "-drive", "file=" + disk.toString().replace(",", ",,") + ",if=none,id=d,format=raw",
                "-device", "virtio-blk-pci,drive=d", "-serial", "stdio", "-display", "none", "-monitor", "none",
                "-nic", "none", "-m", Long.toString(o.memory() >> 20), "-no-reboot");
        return boot("QEMU TCG", cmd);
    }

    private static Round boot(String what, List<String> cmd) {
        TimedBoot b;
        try {
            b = TimedBoot.run(cmd, List.of(LOADER_MARKER, InitScript.MARKER), TIMEOUT_SECONDS);
        } catch (IOException e) {
            throw new BadInputException("cannot start " + what + ": " + e.getMessage());
        }
        if (b.markers().contains(-1.0) || b.exitStatus() != 0) {
            throw new BadInputException(what + " did not boot through GRUB to /init and power off (exit status "
                    + b.exitStatus() + "); its output:\n" + b.output() + b.errors());
        }
        return new Round(b.markers().get(0), b.markers().get(1), b.exitSeconds());
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("bench firmware: cannot remove " + dir + ": " + e.getMessage());
        }
    }

    /** Per column, the median over the rounds (the upper one of an even count). */
    static Round median(List<Round> rounds) {
        return new Round(middle(rounds.stream().mapToDouble(Round::toLoader).sorted().toArray()),
                middle(rounds.stream().mapToDouble(Round::toInit).sorted().toArray()),
                middle(rounds.stream().mapToDouble(Round::toPowerOff).sorted().toArray()));
    }

    private static double middle(double[] sorted) {
        return sorted[sorted.length / 2];
    }
}
