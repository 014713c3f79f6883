package jvisor.storage.luks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real cryptsetup, on image files: luksFormat, luksAddKey, luksDump (with the volume key)
 * and offline reencryption work without device-mapper, which this machine does not have.
 * Passphrases go in on standard input ({@code --key-file -}), so they may hold any bytes.
 */
final class Cryptsetup {
    private Cryptsetup() { }

    static void assumeInstalled() {
        HostTools.assumeInstalled("cryptsetup", "cryptsetup-bin");
    }

    /** luksFormat with fixed, small KDF costs so the tests stay fast. */
    static void format(Path image, byte[] passphrase, String... options) {
        List<String> cmd = new ArrayList<>(List.of("cryptsetup", "luksFormat", "-q", "--batch-mode", "--key-file", "-"));
        cmd.addAll(List.of(options));
        cmd.add(image.toString());
        HostTools.runOk(cmd, passphrase, 120);
    }

    /** Adds {@code added} in a new slot, unlocking with {@code existing} from a key file. */
    static void addKey(Path image, Path existingKeyFile, byte[] added, String... options) {
        List<String> cmd = new ArrayList<>(List.of("cryptsetup", "luksAddKey", "-q", "--batch-mode", "--key-file", existingKeyFile.toString()));
        cmd.addAll(List.of(options));
        cmd.add(image.toString());
        cmd.add("-");
        HostTools.runOk(cmd, added, 120);
    }

    static byte[] volumeKey(Path image, byte[] passphrase) {
        String dump = HostTools.runOk(List.of("cryptsetup", "luksDump", "--dump-volume-key", "-q", "--batch-mode", "--key-file", "-",
                image.toString()), passphrase, 120).text();
        Matcher m = Pattern.compile("MK dump:((?:\\s+[0-9a-f]{2})+)").matcher(dump);
        if (!m.find()) {
            throw new AssertionError("no volume key in luksDump's output:\n" + dump);
        }
        return HexFormat.of().parseHex(m.group(1).replaceAll("\\s", ""));
    }

    static String dump(Path image) {
        return HostTools.runOk(List.of("cryptsetup", "luksDump", image.toString()), new byte[0], 60).text();
    }

    /** Whether cryptsetup's own check of a passphrase (open --test-passphrase) accepts it. */
    static boolean accepts(Path image, byte[] passphrase) {
        return HostTools.run(List.of("cryptsetup", "open", "--test-passphrase", "--key-file", "-", image.toString()), passphrase, 120)
                .status() == 0;
    }

    /**
     * Reencrypts the data under a new volume key in user space: cryptsetup decrypts every sector
     * with its own idea of the IVs and encrypts it again, a reference for jvisor's.
     */
    static void reencrypt(Path image, byte[] passphrase, String... options) {
        List<String> cmd = new ArrayList<>(List.of("cryptsetup", "reencrypt", "-q", "--batch-mode", "--force-offline-reencrypt",
                "--key-file", "-"));
        cmd.addAll(List.of(options));
        cmd.add(image.toString());
        HostTools.runOk(cmd, passphrase, 300);
    }
}
