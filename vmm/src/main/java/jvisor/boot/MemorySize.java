package jvisor.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Sizes as users write them: {@code 128M}, {@code 2G}, {@code 65536K}, or plain bytes. */
public final class MemorySize {
    private MemorySize() { }

    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> { }
            }
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 15) {
            throw new BadInputException("--memory '" + text + "' is not a size: write e.g. 128M or 2G");
        }
        long n = Long.parseLong(digits);
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new BadInputException("--memory '" + text + "' is far too large");
        }
        return n << shift;
    }

    public static String format(long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) {
            return bytes >= (1L << 40) && bytes % (1L << 40) == 0 ? (bytes >> 40) + "T" : (bytes >> 30) + "G";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes >= (1L << 10) && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return bytes + " bytes";
    }

    /** The most guest RAM jvisor gives: this host's physical memory (MemTotal), 1 TiB if unknown. */
    public static long hostLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String kb = line.replaceAll("[^0-9]", "");
                    return (Long.parseLong(kb) << 10) & ~0xFFFFFL;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: no limit we can read
        }
        return 1L << 40;
    }
}
