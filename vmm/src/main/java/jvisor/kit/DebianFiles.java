package jvisor.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Debian packages unpacked into jvisor's cache, one directory per set of packages and version
 * ({@code $XDG_CACHE_HOME/jvisor/<name>/<version>/}): fetched with {@code apt-get download},
 * unpacked with {@code dpkg-deb -x}, no root, never part of jvisor's sources.
 */
public final class DebianFiles {
    private DebianFiles() { }

    /** The cache directory for {@code name}, beside the guest kit's. */
    public static Path root(String name) {
        return GuestKit.defaultRoot().resolveSibling(name);
    }

    /** The newest unpacked tree under {@code root(name)} that has every file of {@code required}. */
    public static Optional<Path> cached(String name, List<String> required) {
        Path root = root(name);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> !v.getFileName().toString().startsWith("fetch"))
                    .filter(v -> required.stream().allMatch(f -> Files.exists(v.resolve(f))))
                    .max(Comparator.comparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Downloads and unpacks {@code packages} into one tree under {@code root(name)}, named after
     * the first package's version; the tree must then have every file of {@code required}.
     */
    public static Path fetch(String name, List<String> packages, List<String> required, Progress progress) {
        DebianPackages apt = new DebianPackages(progress);
        Path root = root(name);
        try {
            Files.createDirectories(root);
            Path work = Files.createTempDirectory(root, "fetch");
            try {
                Path unpacked = work.resolve("root");
                String version = null;
                for (String p : packages) {
                    Path deb = apt.download(p, work);
                    if (version == null) {
                        version = apt.field(deb, "Version").replaceAll("[^A-Za-z0-9.+~-]", "_");
                    }
                    apt.unpack(deb, unpacked);
                }
                for (String f : required) {
                    if (!Files.exists(unpacked.resolve(f))) {
                        throw new KitException(String.join(" ", packages) + " " + version + " has no " + f);
                    }
                }
                Path target = root.resolve(version);
                deleteTree(target);
                Files.move(unpacked, target);
                progress.step(String.join(", ", packages) + " " + version + " unpacked in " + target);
                return target;
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new KitException("cannot write " + root + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
