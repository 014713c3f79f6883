package jvisor.kit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Linux guest kit ({@code ./jvisor guest fetch}): Debian's current kernel and a busybox
 * initramfs built here, cached under {@code $XDG_CACHE_HOME/jvisor/kit/<kernel-version>/} (or
 * {@code ~/.cache/...}) with a manifest of SHA-256 checksums, reused while they verify.
 */
public final class GuestKit {
    /** Bumped whenever what the kit builds changes, so older caches are rebuilt. */
    public static final int FORMAT = 3;
    public static final String BUSYBOX_PACKAGE = "busybox-static";
    public static final String VMLINUZ = "vmlinuz";
    public static final String INITRD = "initrd.img";
    /**
     * The command line a kit boots with. {@code console=ttyS0}: the serial port is the only console.
     * {@code quiet}: the ~360 lines of boot log shrink to warnings and errors, sparing printk and the
     * emulated UART most of their work (drop it to debug a boot). {@code cryptomgr.notests}: skips
     * the boot-time self-test of every crypto algorithm the kernel registers, which changes nothing
     * the guest does. Left out on purpose: {@code tsc=reliable} (QEMU TCG's per-CPU TSCs are not in
     * sync and the kernel rightly marks them unstable), {@code no_timer_check} (it would hide
     * IOAPIC/PIT routing bugs to save a few ticks), {@code lpj=} (a wrong value shortens udelay).
     */
    public static final String CMDLINE = "console=ttyS0 quiet cryptomgr.notests";

    /**
     * A built kit: the kernel's version and the directory holding vmlinuz, initrd.img, the manifest
     * and, where e2fsprogs was there to make them, the ext4 root and data images.
     */
    public record Kit(String kernelVersion, Path directory) {
        public Path vmlinuz() {
            return directory.resolve(VMLINUZ);
        }

        public Path initrd() {
            return directory.resolve(INITRD);
        }

        /** The root image (busybox and the kit's /sbin/init), if the kit has one. */
        public java.util.Optional<Path> rootImage() {
            return image(Ext4Images.ROOT);
        }

        /** The demo's data disk, if the kit has one. */
        public java.util.Optional<Path> dataImage() {
            return image(Ext4Images.DATA);
        }

        private java.util.Optional<Path> image(String name) {
            Path p = directory.resolve(name);
            return Files.isRegularFile(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
        }
    }

    /**
     * What {@code demo linux} boots: the kit's kernel and initramfs with the user's options, and the
     * demo's own copy of the data disk (made from the kit's on first use and kept, so files written
     * in the guest are there next time) mounted on /mnt, and a network card on the user-mode stack
     * (unless the options name another) that the guest brings up by DHCP.
     */
    public static jvisor.boot.BootConfig demoConfig(Kit kit, List<String> options) {
        String cmdline = CMDLINE + " " + InitScript.NET_DHCP;
        List<String> all = new java.util.ArrayList<>(options);
        if (options.stream().noneMatch(o -> o.equals("--net") || o.startsWith("--net="))) {
            all.addAll(0, List.of("--net", "user"));      // the guest reaches the host at 10.0.2.2
        }
        java.util.Optional<Path> data = kit.dataImage();
        if (data.isPresent()) {
            Path copy = kit.directory().getParent().resolve("demo-" + Ext4Images.DATA);
            try {
                if (!Files.exists(copy)) {
                    Files.copy(data.get(), copy);
                }
                all.addAll(0, List.of("--drive", "file=" + copy.toString().replace(",", ",,")));
                cmdline += " " + InitScript.DATA_OPTION + "/dev/vda";
            } catch (IOException e) {
                System.err.println("jvisor: demo without its data disk: cannot copy " + data.get() + ": " + e.getMessage());
            }
        }
        return jvisor.boot.CommandLine.linuxDemoConfig(kit.vmlinuz().toString(), kit.initrd().toString(), cmdline, all);
    }

    /** Kits of another format live in other directories, so jvisors of different ages can share the cache. */
    static String directoryName(String kernelVersion) {
        return kernelVersion + "-k" + FORMAT;
    }

    private final Path root;
    private final Progress progress;
    private final DebianPackages apt;

    public GuestKit(Path root, Progress progress) {
        this.root = root;
        this.progress = progress;
        this.apt = new DebianPackages(progress);
    }

    /** Where kits are cached: $XDG_CACHE_HOME/jvisor/kit, else ~/.cache/jvisor/kit. */
    public static Path defaultRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("jvisor").resolve("kit");
    }

    /** {@code ./jvisor guest fetch}: builds or reuses the kit and prints how to boot it. */
    public static int fetchCommand() {
        try {
            Kit kit = new GuestKit(defaultRoot(), Progress.printing(System.out, System.console() != null)).fetch();
            System.out.printf("""
                    jvisor: Linux %s guest kit ready
                      kernel  %s
                      initrd  %s
                    Boot it with jvisor:
                      ./jvisor run --engine emu --cpus 2 --memory 512M --kernel %s --initrd %s --cmdline "%s"
                    or with QEMU:
                      qemu-system-x86_64 -accel tcg -m 512 -smp 2 -kernel %s -initrd %s -append "%s" -nographic
                    Add jvisor.test=1 to the command line to power off right after /init's marker lines.
                    """, kit.kernelVersion(), kit.vmlinuz(), kit.initrd(), kit.vmlinuz(), kit.initrd(), CMDLINE,
                    kit.vmlinuz(), kit.initrd(), CMDLINE);
            return 0;
        } catch (KitException e) {
            System.err.println("jvisor: guest fetch: " + e.getMessage());
            return 1;
        }
    }

    /** {@code ./jvisor guest fetch --disk}: the kit, then a bootable disk made from it with GRUB. */
    public static int fetchDiskCommand() {
        try {
            Progress progress = Progress.printing(System.out, System.console() != null);
            Kit kit = new GuestKit(defaultRoot(), progress).fetch();
            Path disk = diskPath(kit);
            Files.createDirectories(disk.getParent());
            BootDisk.build(kit, BootDisk.grub(progress), List.of(
                    new BootDisk.MenuEntry("Debian Linux (jvisor guest kit), shell on the screen", BootDisk.cmdline("", true)),
                    new BootDisk.MenuEntry("Debian Linux (jvisor guest kit), shell on the serial port",
                            BootDisk.cmdline("", false))), disk, progress);
            System.out.printf("""
                    jvisor: bootable disk ready: %s
                    Boot it through SeaBIOS and GRUB:
                      ./jvisor demo disk          (or ./jvisor run --drive file=%s --memory 512M)
                    GRUB's first entry puts the shell on the screen (--display curses, the default on a
                    terminal), the second on the serial port (--display none).
                    or with QEMU:
                      qemu-system-x86_64 -accel tcg -m 512 -drive file=%s,if=virtio,format=raw
                    """, disk, disk, disk);
            return 0;
        } catch (KitException e) {
            System.err.println("jvisor: guest fetch --disk: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("jvisor: guest fetch --disk: " + e.getMessage());
            return 1;
        }
    }

    /** Where the bootable disk made from {@code kit} lives. */
    static Path diskPath(Kit kit) {
        return defaultRoot().resolveSibling("disk").resolve(kit.directory().getFileName()).resolve(BootDisk.IMAGE);
    }

    /** The bootable disk of the newest cached kit, if it was built. */
    public static java.util.Optional<Path> cachedDisk() {
        return cached().map(GuestKit::diskPath).filter(Files::isRegularFile);
    }

    /** The kit for Debian's current kernel: the cached one if it verifies, else a freshly built one. */
    public Kit fetch() {
        String kernelPackage;
        try {
            kernelPackage = apt.currentKernelPackage();
        } catch (KitException e) {
            Kit cached = newestCached();
            if (cached == null) {
                throw e;
            }
            progress.step("cannot ask apt-cache (" + e.getMessage() + "); using the cached kit " + cached.kernelVersion());
            return cached;
        }
        String version = kernelPackage.substring("linux-image-".length());
        Kit kit = new Kit(version, root.resolve(directoryName(version)));
        try {
            Files.createDirectories(root);
            try (FileChannel lockFile = FileChannel.open(root.resolve(kit.kernelVersion() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = lockFile.lock()) {
                String problem = problem(kit);
                if (problem == null) {
                    progress.step("using the cached kit in " + kit.directory() + " (checksums verified)");
                    return kit;
                }
                if (Files.exists(kit.directory())) {
                    progress.step("the cached kit in " + kit.directory() + " is stale: " + problem + "; rebuilding it");
                }
                build(kit, kernelPackage);
                return kit;
            }
        } catch (IOException e) {
            throw new KitException("cannot write the kit cache " + root + ": " + e.getMessage());
        }
    }

    /** The newest cached kit whose checksums verify, without asking apt or building anything. */
    public static java.util.Optional<Kit> cached() {
        return java.util.Optional.ofNullable(new GuestKit(defaultRoot(), Progress.printing(System.err, false))
                .newestCached());
    }

    /** Why the kit's directory cannot be reused, or null if its manifest verifies. */
    static String problem(Kit kit) {
        KitManifest m = KitManifest.read(kit.directory());
        if (m == null) {
            return "no manifest";
        }
        List<String> files = new java.util.ArrayList<>(List.of(VMLINUZ, INITRD));
        for (String image : List.of(Ext4Images.ROOT, Ext4Images.DATA)) {
            if (m.sha256().containsKey(image)) {
                files.add(image);
            }
        }
        return m.problem(kit.directory(), FORMAT, files);
    }

    private Kit newestCached() {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            String suffix = "-k" + FORMAT;
            return dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().endsWith(suffix))
                    .map(d -> new Kit(d.getFileName().toString().substring(0,
                            d.getFileName().toString().length() - suffix.length()), d))
                    .filter(k -> problem(k) == null)
                    .max(Comparator.comparing(k -> k.directory().toFile().lastModified())).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private void build(Kit kit, String kernelPackage) throws IOException {
        Path work = Files.createTempDirectory("jvisor-kit-");
        try {
            Path kernelDeb = apt.download(kernelPackage, work);
            Path busyboxDeb = apt.download(BUSYBOX_PACKAGE, work);
            Path kernelTree = work.resolve("kernel");
            Path busyboxTree = work.resolve("busybox");
            apt.unpack(kernelDeb, kernelTree);
            apt.unpack(busyboxDeb, busyboxTree);
            Path vmlinuz = kernelTree.resolve("boot/vmlinuz-" + kit.kernelVersion());
            Path busybox = busyboxTree.resolve("bin/busybox");
            for (Path p : List.of(vmlinuz, busybox)) {
                if (!Files.isRegularFile(p)) {
                    throw new KitException("the unpacked package has no " + work.relativize(p));
                }
            }
            List<KernelModules.Module> modules = new KernelModules(kernelTree, kit.kernelVersion())
                    .resolve(Initramfs.MODULES);
            progress.step("building the initramfs: busybox and modules "
                    + String.join(", ", modules.stream().map(KernelModules.Module::name).toList()));
            byte[] initrd = Initramfs.build(Files.readAllBytes(busybox), modules);
            progress.step("initrd.img is " + Progress.megabytes(initrd.length) + "; writing the kit to " + kit.directory());
            Files.createDirectories(kit.directory());
            Files.deleteIfExists(kit.directory().resolve(KitManifest.FILE));
            Files.copy(vmlinuz, kit.vmlinuz(), StandardCopyOption.REPLACE_EXISTING);
            Files.write(kit.initrd(), initrd);
            Map<String, String> sums = new java.util.HashMap<>(Map.of(VMLINUZ, KitManifest.sha256(kit.vmlinuz()),
                    INITRD, KitManifest.sha256(kit.initrd())));
            if (Ext4Images.mke2fs() != null) {
                progress.step("building the ext4 root and data images with mke2fs");
                Ext4Images.buildRoot(busybox, work, kit.directory().resolve(Ext4Images.ROOT));
                Ext4Images.buildData(work, kit.directory().resolve(Ext4Images.DATA));
                for (String image : List.of(Ext4Images.ROOT, Ext4Images.DATA)) {
                    sums.put(image, KitManifest.sha256(kit.directory().resolve(image)));
                }
            } else {
                progress.step("mke2fs is not installed (apt-get install e2fsprogs): the kit has no disk images");
            }
            new KitManifest(FORMAT, Map.of(
                    "kernel-version", kit.kernelVersion(),
                    "kernel-package", kernelPackage + " " + apt.field(kernelDeb, "Version"),
                    "busybox-package", BUSYBOX_PACKAGE + " " + apt.field(busyboxDeb, "Version")),
                    sums).write(kit.directory());
        } finally {
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A temporary directory left behind is harmless; the kit itself is complete.
        }
    }
}
