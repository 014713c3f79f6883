package jvisor.firmware;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jvisor.boot.BadInputException;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.KitException;
import jvisor.kit.Progress;

/**
 * Finds SeaBIOS and its VGA BIOS: Debian's {@code seabios} package installed on the host
 * ({@code /usr/share/seabios}), else a copy in jvisor's cache, else the package fetched with
 * {@code apt-get download} and unpacked with {@code dpkg-deb -x} into the cache (no root, never
 * part of jvisor's sources).
 */
public final class SeaBios {
    public static final String PACKAGE = "seabios";
    /** QEMU's default BIOS for its "pc" machine: the 256 KiB build with every feature. */
    public static final String BIOS = "bios-256k.bin";
    /** The VGA BIOS for a VGA on the ISA bus (no PCI function, no VBE): all a text console needs. */
    public static final String VGA_BIOS = "vgabios-isavga.bin";
    static final Path HOST_DIRECTORY = Path.of("/usr/share/seabios");
    private static final String SHARE = "usr/share/seabios";

    private SeaBios() { }

    /** The firmware for {@code bios} (the user's ROM, or null for SeaBIOS wherever it is found). */
    public static FirmwareImages locate(Path bios, Progress progress) {
        Path dir = directory(progress);
        byte[] vga = readIfPresent(dir == null ? null : dir.resolve(VGA_BIOS));
        if (bios != null) {
            return new FirmwareImages(bios.toString(), new jvisor.boot.GuestImage.File(bios).read(), vga);
        }
        if (dir == null) {
            throw new BadInputException("no SeaBIOS: install Debian's seabios package, or give --firmware FILE");
        }
        Path rom = dir.resolve(BIOS);
        return new FirmwareImages(rom.toString(), new jvisor.boot.GuestImage.File(rom).read(), vga);
    }

    /** A directory with {@link #BIOS} and {@link #VGA_BIOS}: the host's, the cache's, or freshly fetched. */
    static Path directory(Progress progress) {
        if (complete(HOST_DIRECTORY)) {
            return HOST_DIRECTORY;
        }
        Optional<Path> cached = cached();
        if (cached.isPresent()) {
            return cached.get();
        }
        try {
            return fetch(progress);
        } catch (KitException e) {
            throw new BadInputException("cannot fetch SeaBIOS: " + e.getMessage()
                    + "; install Debian's seabios package or give --firmware FILE");
        }
    }

    /** The cache's SeaBIOS directories, newest version first. */
    static Optional<Path> cached() {
        Path root = root();
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve(SHARE)).filter(SeaBios::complete)
                    .max(Comparator.comparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code $XDG_CACHE_HOME/jvisor/seabios}, beside the guest kit. */
    static Path root() {
        return GuestKit.defaultRoot().resolveSibling("seabios");
    }

    private static Path fetch(Progress progress) {
        DebianPackages apt = new DebianPackages(progress);
        Path root = root();
        try {
            Files.createDirectories(root);
            Path work = Files.createTempDirectory(root, "fetch");
            try {
                Path deb = apt.download(PACKAGE, work);
                String version = apt.field(deb, "Version").replaceAll("[^A-Za-z0-9.+~-]", "_");
                Path unpacked = work.resolve("root");
                apt.unpack(deb, unpacked);
                if (!complete(unpacked.resolve(SHARE))) {
                    throw new KitException(PACKAGE + " " + version + " has no " + BIOS + " and " + VGA_BIOS);
                }
                Path target = root.resolve(version);
                if (!complete(target.resolve(SHARE))) {
                    deleteTree(target);
                    Files.move(unpacked, target);
                }
                progress.step("SeaBIOS " + version + " is in " + target.resolve(SHARE));
                return target.resolve(SHARE);
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new KitException("cannot write " + root + ": " + e.getMessage());
        }
    }

    private static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve(BIOS)) && Files.isRegularFile(dir.resolve(VGA_BIOS));
    }

    private static byte[] readIfPresent(Path file) {
        try {
            return file != null && Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Names of the files a SeaBIOS directory must have. */
    static List<String> files() {
        return List.of(BIOS, VGA_BIOS);
    }
}
