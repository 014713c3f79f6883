package jvisor.kit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * The kit's initramfs: a gzip-compressed newc cpio holding a static busybox, the generated
 * {@code /init}, a console device node, and the kernel modules /init loads.
 */
public final class Initramfs {
    /**
     * The modules /init loads, by name; their dependencies come along. virtio_net needs net_failover
     * and failover; af_packet (built in on Debian's kernel) is what udhcpc's raw socket needs.
     */
    public static final List<String> MODULES = List.of("virtio", "virtio_ring", "virtio_mmio", "virtio_pci", "virtio_blk",
            "virtio_rng", "virtio_console", "failover", "net_failover", "virtio_net", "af_packet", "crc32c_generic", "ext4");
    static final int TTY_MAJOR = 5;
    static final int CONSOLE_MINOR = 1;

    private Initramfs() { }

    /** The compressed archive. */
    public static byte[] build(byte[] busybox, List<KernelModules.Module> modules) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 1 << 16)) {
            CpioWriter cpio = new CpioWriter(gzip);
            Set<String> directories = new LinkedHashSet<>(List.of("bin", "sbin", "usr", "usr/bin", "usr/sbin",
                    "dev", "proc", "sys", "tmp", "root", "etc"));
            for (KernelModules.Module m : modules) {
                directories.addAll(parents(m.path()));
            }
            for (String d : directories) {
                cpio.directory(d, 0755);
            }
            cpio.characterDevice("dev/console", 0600, TTY_MAJOR, CONSOLE_MINOR);
            cpio.file("bin/busybox", 0755, busybox);
            cpio.symlink("bin/sh", "busybox");
            List<String> paths = new ArrayList<>();
            for (KernelModules.Module m : modules) {
                cpio.file(m.path(), 0644, m.elf());
                paths.add(m.path());
            }
            cpio.file("init", 0755, InitScript.text(paths).getBytes(StandardCharsets.UTF_8));
            cpio.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** "a/b/c.ko" -> ["a", "a/b"]. */
    static List<String> parents(String path) {
        List<String> out = new ArrayList<>();
        for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
            out.add(path.substring(0, i));
        }
        return out;
    }
}
