package jvisor.kit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kit directory's manifest: the kit format, where the parts came from, and the SHA-256 of each
 * file. A kit is reused only while every checksum still matches.
 */
public record KitManifest(int format, Map<String, String> facts, Map<String, String> sha256) {
    public static final String FILE = "manifest";

    public KitManifest {
        facts = Map.copyOf(facts);
        sha256 = Map.copyOf(sha256);
    }

    /** Reads {@code dir}'s manifest; null if there is none or it cannot be parsed. */
    public static KitManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        int format = -1;
        Map<String, String> facts = new LinkedHashMap<>();
        Map<String, String> sums = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+", 3);
                if (line.isBlank() || line.startsWith("#") || f.length < 2) {
                    continue;
                }
                switch (f[0]) {
                    case "format" -> format = Integer.parseInt(f[1]);
                    case "sha256" -> {
                        if (f.length == 3) {
                            sums.put(f[2], f[1]);
                        }
                    }
                    default -> facts.put(f[0], line.trim().substring(f[0].length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return new KitManifest(format, facts, sums);
    }

    /** Why {@code dir} does not hold the files this manifest lists with these checksums, or null if it does. */
    public String problem(Path dir, int expectedFormat, List<String> required) {
        if (format != expectedFormat) {
            return "it was built by another jvisor (kit format " + format + ", not " + expectedFormat + ")";
        }
        for (String name : required) {
            String expected = sha256.get(name);
            Path file = dir.resolve(name);
            if (expected == null) {
                return "the manifest lists no " + name;
            }
            if (!Files.isRegularFile(file)) {
                return name + " is missing";
            }
            if (!expected.equalsIgnoreCase(sha256(file))) {
                return name + " does not match its checksum";
            }
        }
        return null;
    }

    /** Writes the manifest, replacing any old one only once the new one is complete. */
    public void write(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# jvisor guest kit: reused while every checksum matches");
        lines.add("format " + format);
        facts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add(e.getKey() + " " + e.getValue()));
        sha256.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add("sha256 " + e.getValue() + " " + e.getKey()));
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            return "unreadable";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
