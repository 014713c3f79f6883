package jvisor.kit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A bootable PC disk image made without root from the kit's pieces and Debian's GRUB: an MBR
 * partition table with one Linux partition from sector 2048 (the kit's ext4 root image with
 * {@code /boot/vmlinuz}, {@code /boot/initrd.img} and {@code /boot/grub/grub.cfg} written in by
 * debugfs), GRUB's {@code boot.img} in the MBR and a {@code core.img} from {@code grub-mkimage}
 * (with the modules to read the partition and boot Linux built in) in the gap after it, as
 * {@code grub-install} would lay them out.
 */
public final class BootDisk {
    public static final String IMAGE = "disk.img";
    static final List<String> GRUB_PACKAGES = List.of("grub-pc-bin", "grub-common");
    static final String GRUB_MODULES = "usr/lib/grub/i386-pc";
    static final String GRUB_MKIMAGE = "usr/bin/grub-mkimage";
    static final List<String> GRUB_FILES = List.of(GRUB_MODULES + "/boot.img", GRUB_MKIMAGE);
    /**
     * The modules core.img carries: enough to find the partition, read ext4 and boot Linux from
     * grub.cfg; halt (ACPI power-off) and sleep let a grub.cfg end a run by itself.
     */
    static final List<String> CORE_MODULES = List.of("biosdisk", "part_msdos", "ext2", "normal", "linux", "echo",
            "boot", "minicmd", "test", "halt", "sleep");
    static final int SECTOR = 512;
    /** The partition starts at 1 MiB, as fdisk has aligned them for years; core.img lives in the gap before. */
    static final long PARTITION_START = 2048;
    // boot.img's fields that grub-bios-setup fills in (GRUB's boot.S).
    static final int KERNEL_SECTOR = 0x5C;
    static final int BOOT_DRIVE = 0x64;
    static final int DRIVE_CHECK = 0x66;
    static final int PARTITION_TABLE = 0x1BE;
    static final int LINUX_PARTITION = 0x83;

    private BootDisk() { }

    /**
     * The kernel command line of GRUB's menu entry: the kit's, with the root file system on the
     * disk. The last console is the one /init and the shell use: the serial port ({@code vga}
     * false), or the VGA screen and the keyboard ({@code vga} true; the kernel's messages go to
     * the serial port too).
     */
    public static String cmdline(String extra, boolean vga) {
        String consoles = vga ? GuestKit.CMDLINE + " console=tty0" : "console=tty0 " + GuestKit.CMDLINE;
        return "root=/dev/vda1 " + consoles + (extra.isEmpty() ? "" : " " + extra);
    }

    /** GRUB unpacked in the cache, fetched if needed. */
    public static Path grub(Progress progress) {
        return DebianFiles.cached("grub", GRUB_FILES)
                .orElseGet(() -> DebianFiles.fetch("grub", GRUB_PACKAGES, GRUB_FILES, progress));
    }

    /**
     * Builds the disk at {@code image} from {@code kit} (which must have its root image) with GRUB
     * from {@code grub}; GRUB boots the kit's kernel with {@code cmdline}.
     */
    public static void build(GuestKit.Kit kit, Path grub, String cmdline, Path image, Progress progress) {
        build(kit, grub, List.of(new MenuEntry("Debian Linux (jvisor guest kit)", cmdline)), image, progress);
    }

    /** One entry of GRUB's menu: its title and the kernel command line it boots with. */
    public record MenuEntry(String title, String cmdline) { }

    /** As {@link #build(GuestKit.Kit, Path, String, Path, Progress)} with a menu of several entries, the first the default. */
    public static void build(GuestKit.Kit kit, Path grub, List<MenuEntry> menu, Path image, Progress progress) {
        Path root = kit.rootImage().orElseThrow(() -> new KitException(
                "the kit has no root image (e2fsprogs' mke2fs was missing when it was built)"));
        try {
            Path work = Files.createTempDirectory(image.toAbsolutePath().getParent(), "disk");
            try {
                progress.step("building " + image + ": ext4 root, GRUB in the MBR and its gap");
                Path partition = work.resolve("root.img");
                Files.copy(root, partition);
                Path cfg = work.resolve("grub.cfg");
                Files.writeString(cfg, grubCfg(menu), StandardCharsets.US_ASCII);
                debugfs(work, partition, "mkdir /boot", "mkdir /boot/grub",
                        "write " + kit.vmlinuz() + " /boot/vmlinuz", "write " + kit.initrd() + " /boot/initrd.img",
                        "write " + cfg + " /boot/grub/grub.cfg");
                install(grub, work, partition, image);
            } finally {
                DebianFiles.deleteTree(work);
            }
        } catch (IOException e) {
            throw new KitException("cannot build " + image + ": " + e.getMessage());
        }
    }

    /**
     * A disk with GRUB and a small ext4 partition holding only {@code /boot/grub/grub.cfg}: the
     * firmware's path to GRUB's normal mode without a kernel, for tests that end in GRUB itself.
     */
    public static void buildLoaderOnly(Path grub, String cfg, Path image) {
        try {
            Path work = Files.createTempDirectory(image.toAbsolutePath().getParent(), "disk");
            try {
                Path tree = Files.createDirectories(work.resolve("tree/boot/grub"));
                Files.writeString(tree.resolve("grub.cfg"), cfg, StandardCharsets.US_ASCII);
                Path mke2fs = Ext4Images.mke2fs();
                if (mke2fs == null) {
                    throw new KitException("mke2fs is not installed: apt-get install e2fsprogs");
                }
                Path partition = work.resolve("root.img");
                DebianPackages.run(work, mke2fs.toString(), "-q", "-t", "ext4", "-E", "root_owner=0:0",
                        "-d", work.resolve("tree").toString(), partition.toString(), "2048k");
                install(grub, work, partition, image);
            } finally {
                DebianFiles.deleteTree(work);
            }
        } catch (IOException e) {
            throw new KitException("cannot build " + image + ": " + e.getMessage());
        }
    }

    /** core.img from grub-mkimage, then the disk: boot.img's MBR, core.img, {@code partition}. */
    private static void install(Path grub, Path work, Path partition, Path image) throws IOException {
        Path core = work.resolve("core.img");
        List<String> mkimage = new java.util.ArrayList<>(List.of(grub.resolve(GRUB_MKIMAGE).toString(),
                "-O", "i386-pc", "-d", grub.resolve(GRUB_MODULES).toString(), "-o", core.toString(),
                "-p", "(hd0,msdos1)/boot/grub"));
        mkimage.addAll(CORE_MODULES);
        DebianPackages.run(work, mkimage.toArray(String[]::new));
        assemble(Files.readAllBytes(grub.resolve(GRUB_MODULES).resolve("boot.img")), Files.readAllBytes(core),
                partition, image);
    }

    static String grubCfg(List<MenuEntry> menu) {
        StringBuilder b = new StringBuilder("""
                # Written by jvisor's guest kit.
                set timeout=1
                set default=0
                """);
        for (MenuEntry e : menu) {
            b.append("""
                    menuentry '%s' {
                        echo 'Loading Linux...'
                        linux /boot/vmlinuz %s
                        echo 'Loading initial ramdisk...'
                        initrd /boot/initrd.img
                    }
                    """.formatted(e.title(), e.cmdline()));
        }
        return b.toString();
    }

    /**
     * Replaces {@code /boot/grub/grub.cfg} in a disk built by {@link #build} with {@code cfg},
     * in place (debugfs on the partition at its offset); {@code work} holds debugfs's script.
     */
    public static void replaceGrubCfg(Path disk, String cfg, Path work) throws IOException {
        Path file = work.resolve("grub.cfg");
        Files.writeString(file, cfg, StandardCharsets.US_ASCII);
        debugfs(work, Path.of(disk + "?offset=" + PARTITION_START * SECTOR), "rm /boot/grub/grub.cfg",
                "write " + file + " /boot/grub/grub.cfg");
    }

    private static void debugfs(Path work, Path image, String... commands) throws IOException {
        Path script = work.resolve("debugfs.cmds");
        Files.writeString(script, String.join("\n", commands) + "\n");
        Path debugfs = Ext4Images.mke2fs() == null ? Path.of("debugfs") : Ext4Images.mke2fs().resolveSibling("debugfs");
        DebianPackages.run(work, debugfs.toString(), "-w", "-f", script.toString(), image.toString());
    }

    /** The MBR (boot.img with its fields set, one partition), core.img from sector 1, the partition from 1 MiB. */
    static void assemble(byte[] bootImg, byte[] coreImg, Path partition, Path image) throws IOException {
        if (bootImg.length != SECTOR) {
            throw new KitException("GRUB's boot.img is " + bootImg.length + " bytes, not one sector");
        }
        if (coreImg.length > (PARTITION_START - 1) * SECTOR) {
            throw new KitException("GRUB's core.img (" + coreImg.length + " bytes) does not fit before the partition");
        }
        long partitionBytes = Files.size(partition);
        ByteBuffer mbr = ByteBuffer.wrap(bootImg.clone()).order(ByteOrder.LITTLE_ENDIAN);
        mbr.putLong(KERNEL_SECTOR, 1);
        mbr.put(BOOT_DRIVE, (byte) 0xFF);           // use the drive the BIOS booted from
        mbr.put(DRIVE_CHECK, (byte) 0x90).put(DRIVE_CHECK + 1, (byte) 0x90); // as grub-bios-setup does for disks
        for (int i = PARTITION_TABLE; i < 510; i++) {
            mbr.put(i, (byte) 0);
        }
        mbr.put(PARTITION_TABLE, (byte) 0x80);       // active
        mbr.put(PARTITION_TABLE + 1, (byte) 0xFE).put(PARTITION_TABLE + 2, (byte) 0xFF).put(PARTITION_TABLE + 3, (byte) 0xFF);
        mbr.put(PARTITION_TABLE + 4, (byte) LINUX_PARTITION);
        mbr.put(PARTITION_TABLE + 5, (byte) 0xFE).put(PARTITION_TABLE + 6, (byte) 0xFF).put(PARTITION_TABLE + 7, (byte) 0xFF);
        mbr.putInt(PARTITION_TABLE + 8, (int) PARTITION_START);
        mbr.putInt(PARTITION_TABLE + 12, (int) (partitionBytes / SECTOR));
        mbr.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        Path tmp = image.resolveSibling(image.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
             FileChannel in = FileChannel.open(partition)) {
            out.write(ByteBuffer.wrap(mbr.array()), 0);
            out.write(ByteBuffer.wrap(coreImg), SECTOR);
            long at = PARTITION_START * SECTOR;
            for (long done = 0; done < partitionBytes; ) {
                done += in.transferTo(done, partitionBytes - done, out.position(at + done));
            }
        }
        Files.move(tmp, image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
