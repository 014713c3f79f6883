package jvisor.storage.luks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.function.Consumer;

/** Base images for the hostile-header tests, made once per JVM, and mutated copies of them. */
final class MaliceImages {
    static final byte[] PASSPHRASE = "malice".getBytes();
    static final long LUKS2_HEADER = LuksFormat.KEYSLOT_AREA + 258048;
    static final long LUKS1_HEADER = Luks1Writer.PAYLOAD;
    static final Path DIR;
    static final Path LUKS1;
    static final Path LUKS2;

    static {
        try {
            DIR = Files.createTempDirectory("jvisor-luks-malice");
            Runtime.getRuntime().addShutdownHook(new Thread(MaliceImages::cleanUp));
            LUKS1 = Luks1Writer.create(DIR.resolve("base1.img"), 1 << 20, PASSPHRASE, "sha256", 64, 1000);
            LUKS2 = DIR.resolve("base2.img");
            LuksFormat.create(LUKS2, 1 << 20, PASSPHRASE, LuksFormat.Options.DEFAULT.withKdf(new LuksFormat.Pbkdf2Sha256(1000)));
            cheapenDigest(LUKS2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MaliceImages() { }

    /**
     * Redoes the volume key digest with 1000 iterations instead of LuksFormat's 100,000, so that
     * the mutation tests can afford to unlock every image that still parses.
     */
    private static void cheapenDigest(Path image) throws IOException {
        byte[] key;
        try (FileChannel ch = FileChannel.open(image)) {
            key = KeySlotUnlocker.unlock(ch, LuksHeaderReader.read(ch, ch.size()), PASSPHRASE, LuksVolume.ANY_KEY_SLOT).volumeKey();
        }
        ObjectNode json = HeaderSurgery.json(image);
        ObjectNode digest = (ObjectNode) json.get("digests").get("0");
        byte[] salt = Base64.getDecoder().decode(digest.get("salt").textValue());
        digest.put("iterations", 1000);
        digest.put("digest", Base64.getEncoder().encodeToString(Pbkdf2.derive(HashAlgorithm.SHA256, key, salt, 1000, 32)));
        HeaderSurgery.setJson(image, json);
    }

    /** A fresh sparse copy of {@code base}'s header, edited by {@code edit}. */
    static Path mutated(Path base, Consumer<Path> edit) {
        try {
            Path image = Files.createTempFile(DIR, "mutant", ".img");
            HeaderSurgery.copy(base, image, base.equals(LUKS1) ? LUKS1_HEADER : LUKS2_HEADER);
            edit.accept(image);
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void cleanUp() {
        try (var files = Files.walk(DIR)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Temporary files left behind are harmless.
        }
    }
}
