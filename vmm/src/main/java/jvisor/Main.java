package jvisor;

import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.boot.CommandLine;
import jvisor.boot.Console;
import jvisor.console.InteractiveConsole;
import jvisor.core.VmmMain;
import jvisor.sys.Termios;

/** jvisor's command line: BitVisor's {@code entry}. Prints one line for every error, never a stack trace. */
public final class Main {
    private static final int INTERNAL_ERROR = 70;

    private Main() { }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        OneLineLog.install();
        try {
            return switch (CommandLine.parse(args)) {
                case CommandLine.Command.Run run -> {
                    int status = boot(run.config());
                    if (run.config().kernel().equals(new GuestImage.Builtin(CommandLine.DEMO_GUEST))) {
                        System.err.println(GuestKit.cached().isPresent()
                                ? "jvisor: Debian Linux is ready too: ./jvisor demo linux"
                                : "jvisor: for a Linux guest: ./jvisor guest fetch, then ./jvisor demo linux");
                    }
                    yield status;
                }
                case CommandLine.Command.LinuxDemo demo -> {
                    GuestKit.Kit kit = GuestKit.cached().orElseThrow(() -> new BadInputException(
                            "no Linux guest kit yet: ./jvisor guest fetch builds it (Debian's kernel and busybox, "
                            + "about 70 MB from Debian's mirrors)"));
                    yield boot(GuestKit.demoConfig(kit, demo.options()));
                }
                case CommandLine.Command.Help h -> {
                    System.out.print(CommandLine.usage());
                    yield 0;
                }
                case CommandLine.Command.Version v -> {
                    System.out.println("jvisor " + version());
                    yield 0;
                }
                case CommandLine.Command.Bench bench -> jvisor.bench.BenchMain.run(bench.args());
                case CommandLine.Command.DiskCreate create -> jvisor.storage.DiskCreate.run(create);
                case CommandLine.Command.GuestFetch fetch -> fetch.disk() ? jvisor.kit.GuestKit.fetchDiskCommand()
                        : jvisor.kit.GuestKit.fetchCommand();
                case CommandLine.Command.DiskDemo demo -> {
                    java.nio.file.Path disk = jvisor.kit.GuestKit.cachedDisk().orElseThrow(() -> new BadInputException(
                            "no bootable disk yet: ./jvisor guest fetch --disk builds it (the guest kit, GRUB from "
                            + "Debian's grub-pc-bin)"));
                    yield boot(CommandLine.diskDemoConfig(disk, demo.options()));
                }
            };
        } catch (BadInputException e) {
            System.err.println("jvisor: " + e.getMessage());
            return BadInputException.EXIT_STATUS;
        } catch (jvisor.sys.PosixException e) {
            System.err.println("jvisor: " + e.getMessage());
            return 1;
        } catch (RuntimeException | Error e) {
            System.err.println("jvisor: internal error: " + e
                    + (debug() ? "" : " (set JVISOR_DEBUG=1 for the stack trace)"));
            if (debug()) {
                e.printStackTrace();
            }
            return INTERNAL_ERROR;
        }
    }

    /** Boots the guest; on a terminal, with the interactive console in raw mode, restored on every path. */
    private static int boot(BootConfig config) {
        if (!Termios.isTerminal(0) || !Termios.isTerminal(1)) {
            return VmmMain.run(config, Console.system());
        }
        InteractiveConsole terminal = new InteractiveConsole(System.in, System.out);
        boolean vga = config.kernel() instanceof GuestImage.Firmware
                && config.devices().display() != jvisor.boot.Display.NONE;
        Termios saved = Termios.makeRaw(0);
        Thread restoreOnExit = new Thread(saved::restore);
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
        try {
            System.err.println(InteractiveConsole.keysHelp());
            if (vga) {
                return jvisor.console.VgaDisplay.run(config, terminal);
            }
            return VmmMain.run(config, new Console(terminal.guestInput(), System.out, System.err),
                    terminal::attach);
        } finally {
            saved.restore();
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        }
    }

    private static boolean debug() {
        return System.getenv("JVISOR_DEBUG") != null;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
