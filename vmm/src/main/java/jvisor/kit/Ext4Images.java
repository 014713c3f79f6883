package jvisor.kit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The kit's disk images, ext4 file systems made without root by e2fsprogs' {@code mke2fs -d},
 * which copies a directory tree into the new file system: a root image (busybox with its applet
 * links and the kit's {@code /sbin/init}) and a small data disk for the demo.
 */
public final class Ext4Images {
    public static final String ROOT = "root.img";
    public static final String DATA = "data.img";
    public static final long ROOT_BYTES = 64L << 20;
    public static final long DATA_BYTES = 16L << 20;
    /** The data disk's label and the file the demo shows. */
    public static final String DATA_LABEL = "jvisor-data";
    public static final String DATA_README = "README.txt";

    private Ext4Images() { }

    /** mke2fs by its full path (it lives in sbin, which is not on every user's PATH), or null. */
    public static Path mke2fs() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, "mke2fs");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Builds the root image at {@code image} around the static {@code busybox} binary. */
    static void buildRoot(Path busybox, Path work, Path image) throws IOException {
        Path tree = work.resolve("root-tree");
        for (String d : List.of("bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "tmp", "root", "mnt")) {
            Files.createDirectories(tree.resolve(d));
        }
        Files.copy(busybox, tree.resolve("bin/busybox"));
        // The applet links, as "busybox --install -s" would make them; busybox-static runs on this host.
        String list = DebianPackages.run(work, busybox.toString(), "--list-full").stdout();
        for (String applet : list.lines().map(String::trim).filter(l -> !l.isEmpty()).toList()) {
            Path link = tree.resolve(applet);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !applet.equals("bin/busybox")) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }
        Path init = tree.resolve("sbin/init");
        Files.deleteIfExists(init);
        Files.writeString(init, InitScript.rootText(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tree.resolve("etc/hostname"), "jvisor\n");
        make(work, tree, image, ROOT_BYTES, "jvisor-root");
    }

    /** Builds the demo's data disk. */
    static void buildData(Path work, Path image) throws IOException {
        Path tree = work.resolve("data-tree");
        Files.createDirectories(tree);
        Files.writeString(tree.resolve(DATA_README), """
                This file lives on a virtio-blk disk: an ext4 image in jvisor's guest kit,
                attached with --drive. Files you write here stay in the image after power-off.
                """);
        make(work, tree, image, DATA_BYTES, DATA_LABEL);
    }

    private static void make(Path work, Path tree, Path image, long bytes, String label) throws IOException {
        Path mke2fs = mke2fs();
        if (mke2fs == null) {
            throw new KitException("mke2fs is not installed: apt-get install e2fsprogs");
        }
        Files.deleteIfExists(image);
        DebianPackages.run(work, mke2fs.toString(), "-q", "-t", "ext4", "-L", label, "-E", "root_owner=0:0",
                "-d", tree.toString(), image.toString(), (bytes >> 10) + "k");
    }
}
