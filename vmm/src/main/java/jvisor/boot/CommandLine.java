package jvisor.boot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jvisor.engine.CpuVendor;
import jvisor.net.NetOptions;

/**
 * Parses jvisor's command line: BitVisor's {@code entry}, where the boot loader's multiboot info
 * becomes the VMM's configuration. Every mistake is a {@link BadInputException} naming the option
 * and the fix.
 */
public final class CommandLine {
    /** What the user asked jvisor to do. */
    public sealed interface Command {
        record Run(BootConfig config) implements Command { }
        record Help() implements Command { }
        record Version() implements Command { }
        /** Anything after {@code bench}: the benchmark harness parses it. */
        record Bench(List<String> args) implements Command { }
        /** {@code demo linux [options]}: boot the cached Linux guest kit; the options as for run. */
        record LinuxDemo(List<String> options) implements Command { }
        /** {@code disk create IMAGE SIZE [--luks --key-file FILE]}: a new raw image or LUKS2 volume. */
        record DiskCreate(Path image, long size, Path keyFile) implements Command {
            public boolean luks() {
                return keyFile != null;
            }
        }
        /** {@code guest fetch [--disk]}: build the Linux guest kit (Debian's kernel, a busybox initramfs), and a bootable disk. */
        record GuestFetch(boolean disk) implements Command { }
        /** {@code demo disk [options]}: boot the kit's bootable disk through SeaBIOS and GRUB. */
        record DiskDemo(List<String> options) implements Command { }
    }

    public static final String DEMO_GUEST = "demo";
    public static final int DEMO_CPUS = 2;

    private CommandLine() { }

    public static Command parse(String... args) {
        if (args.length == 0) {
            return new Command.Help();
        }
        List<String> rest = List.of(args).subList(1, args.length);
        return switch (args[0]) {
            case "run" -> new Command.Run(parseRun(rest, false));
            case "demo" -> !rest.isEmpty() && rest.getFirst().equals("linux")
                    ? linuxDemo(rest.subList(1, rest.size()))
                    : !rest.isEmpty() && rest.getFirst().equals("disk") ? diskDemo(rest.subList(1, rest.size()))
                    : new Command.Run(parseRun(rest, true));
            case "bench" -> new Command.Bench(rest);
            case "guest" -> parseGuest(rest);
            case "disk" -> parseDisk(rest);
            case "help", "-h", "--help" -> new Command.Help();
            case "version", "--version" -> new Command.Version();
            case "test" -> throw new BadInputException("'test' is run by the launcher: use ./jvisor test");
            default -> throw new BadInputException("unknown command '" + args[0]
                    + "': use run, demo, guest, disk, bench or help");
        };
    }

    /** Options for {@code demo linux}; the kernel and initrd are the kit's. */
    private static Command linuxDemo(List<String> options) {
        for (String o : options) {
            if (o.startsWith("--kernel") || o.startsWith("--initrd") || o.startsWith("--guest")) {
                throw new BadInputException(o.split("=")[0] + " does not go with demo linux, which boots the guest kit; "
                        + "use ./jvisor run " + o.split("=")[0] + " ...");
            }
        }
        parseRun(append(List.of("--kernel", "kit"), options), false);
        return new Command.LinuxDemo(List.copyOf(options));
    }

    /** Options for {@code demo disk}; the disk is the kit's and the kernel comes from it. */
    private static Command diskDemo(List<String> options) {
        for (String o : options) {
            if (o.startsWith("--kernel") || o.startsWith("--initrd") || o.startsWith("--guest") || o.startsWith("--cmdline")) {
                throw new BadInputException(o.split("=")[0] + " does not go with demo disk, which boots the kit's disk "
                        + "through SeaBIOS and GRUB");
            }
        }
        parseRun(append(List.of("--drive", "file=disk.img"), options), false);
        return new Command.DiskDemo(List.copyOf(options));
    }

    /** The run options that boot {@code disk} through the firmware, followed by the user's own options. */
    public static BootConfig diskDemoConfig(Path disk, List<String> options) {
        return parseRun(append(List.of("--drive", "file=" + disk.toString().replace(",", ",,"), "--memory", "512M"),
                options), false);
    }

    private static List<String> append(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** The run options that boot a Linux kernel and initrd, followed by the user's own options. */
    public static BootConfig linuxDemoConfig(String kernel, String initrd, String cmdline, List<String> options) {
        List<String> args = append(List.of("--kernel", kernel, "--initrd", initrd, "--cmdline", cmdline,
                "--cpus", Integer.toString(DEMO_CPUS), "--memory", "512M"), options);
        return parseRun(args, false);
    }

    private static Command parseGuest(List<String> args) {
        if (args.size() == 1 && args.get(0).equals("fetch")) {
            return new Command.GuestFetch(false);
        }
        if (args.size() == 2 && args.get(0).equals("fetch") && args.get(1).equals("--disk")) {
            return new Command.GuestFetch(true);
        }
        throw new BadInputException(args.isEmpty() ? "guest needs a subcommand: ./jvisor guest fetch [--disk]"
                : "unknown guest subcommand '" + String.join(" ", args) + "': use ./jvisor guest fetch [--disk]");
    }

    private static final String DISK_USAGE = "./jvisor disk create IMAGE SIZE [--luks --key-file FILE]";

    private static Command parseDisk(List<String> args) {
        if (args.isEmpty() || !args.getFirst().equals("create")) {
            throw new BadInputException(args.isEmpty() ? "disk needs a subcommand: " + DISK_USAGE
                    : "unknown disk subcommand '" + args.getFirst() + "': use " + DISK_USAGE);
        }
        List<String> positional = new ArrayList<>();
        boolean luks = false;
        Path keyFile = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--luks")) {
                luks = true;
            } else if (a.equals("--key-file") || a.startsWith("--key-file=")) {
                String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.size() ? args.get(++i) : "";
                if (value.isEmpty()) {
                    throw new BadInputException("--key-file needs the path of a file holding the passphrase");
                }
                keyFile = Path.of(value);
            } else if (a.startsWith("-") && !a.equals("-")) {
                throw new BadInputException("unknown option '" + a + "' for disk create: use " + DISK_USAGE);
            } else {
                positional.add(a);
            }
        }
        if (positional.size() != 2) {
            throw new BadInputException("disk create needs an image path and a size: " + DISK_USAGE);
        }
        if (luks != (keyFile != null)) {
            throw new BadInputException(luks ? "--luks needs --key-file FILE (the passphrase, as cryptsetup --key-file reads it)"
                    : "--key-file goes with --luks");
        }
        long size;
        try {
            size = MemorySize.parse(positional.get(1));
        } catch (BadInputException e) {
            throw new BadInputException("disk size '" + positional.get(1) + "' is not a size: write e.g. 64M or 1G");
        }
        if (size < 4096 || size % 512 != 0) {
            throw new BadInputException("disk size " + positional.get(1) + " must be at least 4K and a multiple of 512 bytes");
        }
        return new Command.DiskCreate(Path.of(positional.getFirst()), size, keyFile);
    }

    private static BootConfig parseRun(List<String> args, boolean demo) {
        GuestImage kernel = demo ? new GuestImage.Builtin(DEMO_GUEST) : null;
        GuestImage initrd = null;
        List<GuestImage> modules = new ArrayList<>();
        String cmdline = "";
        int cpus = demo ? DEMO_CPUS : 1;
        long memory = BootConfig.DEFAULT_MEMORY;
        EngineChoice engine = EngineChoice.AUTO;
        boolean trace = false;
        boolean stats = false;
        LinuxEntry linuxEntry = LinuxEntry.DEFAULT;
        List<DriveOption> drives = new ArrayList<>();
        boolean rng = false;
        boolean testdev = false;
        List<ModelDevice> models = new ArrayList<>();
        String virtioConsole = null;
        NetOptions net = null;
        Display display = Display.AUTO;
        Path firmware = null;
        String gdb = null;
        boolean gdbWait = false;
        boolean traceCalls = false;
        Path symbols = null;
        Path traceOut = null;
        int traceDepth = 0;
        String traceFilter = null;
        CpuVendor vendor = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "--trace-boot" -> trace = flag(name, inline);
                case "--stats" -> stats = flag(name, inline);
                case "--rng" -> rng = flag(name, inline);
                case "--gdb-wait" -> gdbWait = flag(name, inline);
                case "--trace-calls" -> traceCalls = flag(name, inline);
                case "--testdev" -> testdev = flag(name, inline);
                default -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new BadInputException(optionHelp(name, demo) == null
                                    ? unknown(name) : name + " needs a value: " + optionHelp(name, demo));
                        }
                        value = args.get(++i);
                    }
                    switch (name) {
                        case "--kernel" -> {
                            rejectInDemo(name, demo);
                            kernel = new GuestImage.File(Path.of(value));
                        }
                        case "--guest" -> {
                            rejectInDemo(name, demo);
                            kernel = new GuestImage.Builtin(value);
                        }
                        case "--initrd" -> initrd = new GuestImage.File(Path.of(value));
                        case "--module" -> modules.add(new GuestImage.File(Path.of(value)));
                        case "--cmdline", "--append" -> cmdline = value;
                        // Checked here, so a bad count or size is what the user hears of, before a missing guest.
                        case "--cpus", "--smp" -> cpus = BootConfig.checkCpus(number(name, value));
                        case "--memory", "-m" -> memory = BootConfig.checkMemory(MemorySize.parse(value));
                        case "--engine" -> engine = EngineChoice.parse(value);
                        case "--linux-entry" -> linuxEntry = LinuxEntry.parse(value);
                        case "--drive" -> drives.add(DriveOption.parse(value));
                        case "--device" -> models.add(ModelDevice.parse(value));
                        case "--virtio-console" -> virtioConsole = value;
                        case "--net" -> {
                            if (net != null) {
                                throw new BadInputException("--net is given twice: jvisor gives the guest one network card");
                            }
                            net = NetOptions.parse(value);
                        }
                        case "--firmware", "--bios" -> {
                            rejectInDemo(name, demo);
                            firmware = Path.of(value);
                        }
                        case "--display" -> display = Display.parse(value);
                        case "--gdb" -> gdb = value;
                        case "--symbols" -> symbols = Path.of(value);
                        case "--trace-out" -> traceOut = Path.of(value);
                        case "--trace-depth" -> traceDepth = number(name, value);
                        case "--trace-filter" -> traceFilter = value;
                        case "--cpu" -> vendor = cpuVendor(value);
                        default -> throw new BadInputException(unknown(name));
                    }
                }
            }
        }
        if (kernel != null && firmware != null) {
            throw new BadInputException("--firmware boots through the BIOS, which loads the system from a disk; "
                    + "it does not go with --kernel or --guest");
        }
        if (kernel == null) {
            if (drives.isEmpty() && firmware == null) {
                throw new BadInputException("nothing to boot: use --drive file=IMAGE (booted through SeaBIOS), "
                        + "--kernel FILE (a multiboot image or a Linux bzImage), --guest NAME, or ./jvisor demo");
            }
            if (initrd != null || !modules.isEmpty() || !cmdline.isEmpty()) {
                throw new BadInputException("--initrd, --module and --cmdline need --kernel; a firmware boot "
                        + "takes them from the disk's boot loader");
            }
            kernel = new GuestImage.Firmware(firmware);
        }
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, trace, stats, linuxEntry,
                new DeviceOptions(drives, rng, virtioConsole, display, net, testdev, models),
                new DebugOptions(gdb, gdbWait, traceCalls, symbols, traceOut, traceDepth, traceFilter), vendor);
    }

    /** {@code --cpu vendor=ID}: the processor's vendor; the model is otherwise the engine's own. */
    private static CpuVendor cpuVendor(String value) {
        CpuVendor vendor = null;
        for (String part : value.split(",", -1)) {
            if (!part.startsWith("vendor=")) {
                throw new BadInputException("--cpu '" + value + "': jvisor's processor model is fixed; "
                        + "only vendor=GenuineIntel or vendor=AuthenticAMD can be chosen");
            }
            vendor = CpuVendor.parse(part.substring("vendor=".length()));
        }
        return vendor;
    }

    private static String unknown(String option) {
        return "unknown option '" + option + "'; see ./jvisor help";
    }

    private static String optionHelp(String name, boolean demo) {
        return switch (name) {
            case "--kernel" -> "the path of a multiboot image or a Linux bzImage";
            case "--guest" -> "the name of a built-in test guest";
            case "--initrd" -> "the path of an initial ramdisk";
            case "--module" -> "the path of a multiboot module";
            case "--cmdline", "--append" -> "the guest's command line, quoted";
            case "--cpus", "--smp" -> "a processor count, 1 to " + BootConfig.MAX_CPUS;
            case "--memory", "-m" -> "a size such as 128M or 2G";
            case "--engine" -> "kvm, emu or auto";
            case "--linux-entry" -> "decompressed or protocol";
            case "--drive" -> "file=IMAGE[,format=raw|luks][,key-file=FILE][,readonly=on]";
            case "--virtio-console" -> "socket=PATH or file=PATH";
            case "--device" -> "edu or intel-iommu[,intremap=on]";
            case "--net" -> "user[,hostfwd=tcp:[HOSTADDR]:PORT-[GUESTADDR]:PORT...] or tap,ifname=NAME";
            case "--firmware", "--bios" -> "the path of a BIOS ROM image such as SeaBIOS's bios-256k.bin";
            case "--display" -> "curses or none";
            case "--gdb" -> "HOST:PORT (or :PORT) for gdb's target remote";
            case "--symbols" -> "a System.map or an ELF file with symbols";
            case "--trace-out" -> "the path of a Chrome trace-event JSON file";
            case "--trace-depth" -> "a call depth (0: no limit)";
            case "--trace-filter" -> "a symbol prefix";
            case "--cpu" -> "vendor=GenuineIntel or vendor=AuthenticAMD";
            default -> null;
        };
    }

    private static void rejectInDemo(String option, boolean demo) {
        if (demo) {
            throw new BadInputException(option + " does not go with demo, which boots the built-in demo guest; "
                    + "use ./jvisor run " + option + " ...");
        }
    }

    private static boolean flag(String name, String inline) {
        if (inline != null) {
            throw new BadInputException(name + " takes no value");
        }
        return true;
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " '" + value + "' is not a number");
        }
    }

    public static String usage() {
        return """
                jvisor: a thin hypervisor in Java with BitVisor's boot path.

                Usage:
                  ./jvisor demo [--engine kvm|emu|auto] [--cpus N] [--trace-boot] [--stats]
                      Boot the built-in demo guest on 2 processors.
                  ./jvisor demo linux [options]
                      Boot Debian's Linux from the guest kit to a busybox shell (after guest fetch).
                  ./jvisor run --kernel FILE [options]
                      Boot a multiboot v1 image (e.g. one written for qemu -kernel) or a Linux bzImage.
                  ./jvisor guest fetch [--disk]
                      Fetch Debian's kernel and busybox and build a Linux guest kit (vmlinuz, initrd.img)
                      in ~/.cache/jvisor/kit; prints the command that boots it. --disk also builds a
                      bootable disk image (MBR, GRUB, ext4 root) from it and Debian's grub-pc-bin.
                  ./jvisor demo disk [options]
                      Boot that disk through SeaBIOS and GRUB to a shell.
                  ./jvisor run --drive file=DISK [options]
                      Boot a disk image through SeaBIOS (no --kernel): its boot loader starts the system.
                  ./jvisor disk create IMAGE SIZE [--luks --key-file FILE]
                      Make a new sparse raw disk image, or a LUKS2 volume (aes-xts-plain64,
                      Argon2id) that cryptsetup opens, for --drive.
                  ./jvisor run --guest NAME [options]
                      Boot one of the built-in test guests (hello, smp, poweroff, ...).
                  ./jvisor test
                      Run the whole test suite.
                  ./jvisor bench [exit|emu|boot|firmware|disk|xts|net|netstack]
                      Run the benchmark harness and print its figures.
                  ./jvisor conformance kvm-unit-tests [DIR]
                      Run kvm-unit-tests' x86_64 list on emu and on QEMU TCG; print both side by side.

                Options:
                  --kernel FILE      multiboot image or Linux bzImage to boot
                  --cmdline "..."    the guest's command line
                  --initrd FILE      initial ramdisk (Linux)
                  --module FILE      multiboot module (repeatable)
                  --cpus N           processors, 1 to %d (default 1; demo: 2)
                  --memory SIZE      guest RAM, e.g. 128M (default), 2G
                  --engine E         kvm, emu or auto (default auto)
                  --cpu vendor=V     the processor's vendor, GenuineIntel or AuthenticAMD (default:
                                     emu GenuineIntel, kvm the host's); on emu it also picks that
                                     vendor's SYSCALL/SYSRET/SYSENTER rules
                  --linux-entry E    decompressed (default: jvisor unpacks the kernel) or protocol
                                     (the kernel's own decompressor runs in the guest)
                  --drive file=IMAGE[,format=raw|luks][,key-file=FILE][,readonly=on][,serial=ID]
                                     a virtio-blk disk (repeatable): a raw image, or a LUKS1/LUKS2
                                     volume the guest sees decrypted (key-file holds the passphrase)
                  --rng              a virtio entropy device fed from the host's random source
                  --testdev          QEMU's pc-testdev and pci-testdev (for kvm-unit-tests)
                  --device edu|intel-iommu[,intremap=on]
                                     QEMU's edu PCI device; a VT-d IOMMU at 0xfed90000 (repeatable)
                  --virtio-console socket=PATH|file=PATH
                                     a virtio console port (the guest's hvc0) on a Unix socket
                                     jvisor listens on, or written to a file
                  --firmware FILE    the BIOS ROM for a boot without --kernel (default: SeaBIOS from
                                     /usr/share/seabios, else fetched from Debian into ~/.cache/jvisor)
                  --display curses|none
                                     where the VGA text screen goes (firmware boot): the terminal
                                     (default on a terminal) or nowhere (serial console only)
                  --net user[,hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT]...[,mac=MAC]
                                     a virtio-net card on jvisor's own network stack (no root
                                     needed): DHCP gives the guest 10.0.2.15/24, the gateway
                                     10.0.2.2 is the host's loopback, DNS at 10.0.2.3; each
                                     hostfwd forwards a host port to the guest
                  --net tap,ifname=NAME[,mac=MAC][,vnet_hdr=on|off]
                                     a virtio-net card on an existing TAP device
                  --trace-boot       print every step of the boot path with time and processor
                  --stats            print exit counters when the VM stops
                  --gdb HOST:PORT    serve gdb's remote protocol (target remote HOST:PORT)
                  --gdb-wait         with --gdb: stop before the first instruction
                  --trace-calls      (emu) record every call into a known symbol; needs
                  --symbols FILE     a System.map or an ELF with a symbol table
                  --trace-depth N    print the call tree N levels deep (default: all)
                  --trace-filter P   print only subtrees of functions whose names start with P
                  --trace-out FILE   also write the trace as Chrome trace-event JSON (Perfetto)

                Exit status: the guest's (debug-exit port: (v << 1) | 1; power-off: 0),
                2 for bad input, 4 if the guest crashed, 1 if jvisor or the host failed.
                """.formatted(BootConfig.MAX_CPUS);
    }
}
