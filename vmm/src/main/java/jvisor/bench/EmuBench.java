package jvisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.core.VmmMain;
import jvisor.engine.emu.EmuCpu;

/**
 * The emu engine's speed against QEMU TCG in the same run: each CPU-bound test guest boots on
 * the emu engine in this JVM (twice: the first run includes warming up the JIT) and under
 * {@code qemu-system-x86_64 -accel tcg}; prints guest MIPS and the time ratio emu/TCG.
 */
final class EmuBench {
    /** The CPU-bound guests; "name:N" runs one with scale=N. */
    private static final List<String> DEFAULT_GUESTS = List.of("sieve", "crc32", "sha256", "ptrchase");

    private EmuBench() { }

    private record Timed(double seconds, long instructions, String serial) { }

    static int run(List<String> args) {
        List<String> guests = new ArrayList<>();
        boolean qemu = true;
        for (String a : args) {
            if (a.equals("--no-qemu")) {
                qemu = false;
            } else if (a.startsWith("-")) {
                throw new BadInputException("unknown option " + a + ": use ./jvisor bench emu [guest ...] [--no-qemu]");
            } else {
                guests.add(a);
            }
        }
        if (guests.isEmpty()) {
            guests.addAll(DEFAULT_GUESTS);
        }
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%-10s %14s %9s %9s %9s %9s %9s%n", "guest", "instructions", "emu 1st", "emu 2nd",
                "emu MIPS", "TCG", "emu/TCG");
        for (String guest : guests) {
            Timed cold = emu(guest);
            Timed warm = emu(guest);
            double mips = warm.instructions() / warm.seconds() / 1e6;
            String tcg = "-";
            String ratio = "-";
            if (qemu) {
                double t = qemu(guest);
                if (t > 0) {
                    tcg = String.format(Locale.ROOT, "%.2f s", t);
                    ratio = String.format(Locale.ROOT, "%.2f", warm.seconds() / t);
                }
            }
            out.printf(Locale.ROOT, "%-10s %14d %7.2f s %7.2f s %9.1f %9s %9s%n", guest, warm.instructions(),
                    cold.seconds(), warm.seconds(), mips, tcg, ratio);
        }
        return 0;
    }

    private static Timed emu(String guest) {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Console console = new Console(null, new PrintStream(serial, true, StandardCharsets.ISO_8859_1),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        BootConfig config = BootConfig.of(new GuestImage.Builtin(name(guest))).withEngine(EngineChoice.EMU)
                .withCmdline(cmdline(guest));
        long before = EmuCpu.retiredInThisJvm();
        long start = System.nanoTime();
        int status = VmmMain.run(config, console);
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = serial.toString(StandardCharsets.ISO_8859_1);
        if (status != 1 || !text.contains("done")) {
            throw new IllegalStateException(guest + " failed on emu (status " + status + "):\n" + text + log);
        }
        return new Timed(seconds, EmuCpu.retiredInThisJvm() - before, text);
    }

    /** "sieve:2" is the guest sieve with scale=2. */
    private static String name(String guest) {
        int colon = guest.indexOf(':');
        return colon < 0 ? guest : guest.substring(0, colon);
    }

    private static String cmdline(String guest) {
        int colon = guest.indexOf(':');
        return colon < 0 ? "" : "scale=" + guest.substring(colon + 1);
    }

    /** Wall time of the guest under QEMU TCG, or -1 if QEMU is not installed. */
    private static double qemu(String guest) {
        try {
            Path elf = Files.createTempFile("jvisor-bench-" + guest, ".elf");
            try {
                Files.write(elf, new GuestImage.Builtin(name(guest)).read());
                List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-display", "none", "-serial",
                        "null", "-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                        "-m", "128", "-kernel", elf.toString(), "-append", cmdline(guest));
                long start = System.nanoTime();
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return -1;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                return p.exitValue() == 1 ? seconds : -1;
            } finally {
                Files.deleteIfExists(elf);
            }
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
