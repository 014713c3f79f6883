package jvisor.storage.luks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.UUID;

/**
 * Makes a new LUKS2 volume in an image file, laid out as cryptsetup's luksFormat lays it out
 * (two 16 KiB header copies, key slot areas up to 16 MiB, the data after that): aes-xts-plain64
 * with a 512-bit volume key, sha256 for the AF splitter and the digest, one key slot. The data
 * area is left as a hole, so the image takes about 300 KiB on disk until the guest writes.
 *
 * <p>The default key slot KDF is Argon2id over 128 MiB with 4 passes and 4 lanes: memory-hard,
 * unlike PBKDF2, so guessing passphrases on GPUs gains little, yet about a second to unlock in
 * jvisor (Bouncy Castle, one thread) and less in cryptsetup (native, parallel lanes). Four passes
 * is also the least cryptsetup itself uses.
 */
public final class LuksFormat {
    /** How a new key slot derives its key. */
    public sealed interface SlotKdf permits Argon2id, Pbkdf2Sha256 { }

    /** Argon2id with {@code memoryKiB} of memory, {@code passes} over it and {@code lanes} lanes. */
    public record Argon2id(int memoryKiB, int passes, int lanes) implements SlotKdf { }

    /** PBKDF2-HMAC-SHA256 with {@code iterations}. */
    public record Pbkdf2Sha256(int iterations) implements SlotKdf { }

    /** What {@link #create} makes; {@code sectorSize} is 512 or 4096. */
    public record Options(int sectorSize, SlotKdf kdf) {
        public static final Options DEFAULT = new Options(512, new Argon2id(128 * 1024, 4, 4));

        public Options {
            if (sectorSize != 512 && sectorSize != 4096) {
                throw new LuksException("the sector size must be 512 or 4096, not " + sectorSize);
            }
        }

        public Options withSectorSize(int size) {
            return new Options(size, kdf);
        }

        public Options withKdf(SlotKdf k) {
            return new Options(sectorSize, k);
        }
    }

    static final long HDR_SIZE = 16 << 10;
    static final long KEYSLOT_AREA = 2 * HDR_SIZE;
    static final long DATA_OFFSET = 16 << 20;
    static final int KEY_BYTES = 64;
    static final int STRIPES = 4000;
    /** The volume key digest is checked once per unlock; some 50 ms here. */
    static final int DIGEST_ITERATIONS = 100_000;

    private LuksFormat() { }

    /** Creates {@code image} (which must not exist) with the default options. */
    public static void create(Path image, long size, byte[] passphrase) {
        create(image, size, passphrase, Options.DEFAULT);
    }

    /**
     * Creates {@code image}, which must not exist, holding a volume of {@code size} plaintext
     * bytes (a whole number of sectors) that {@code passphrase} unlocks in key slot 0.
     */
    public static void create(Path image, long size, byte[] passphrase, Options options) {
        if (size <= 0 || size % options.sectorSize() != 0 || size > Long.MAX_VALUE - DATA_OFFSET) {
            throw new LuksException("the volume size must be a positive multiple of " + options.sectorSize() + " bytes, not " + size);
        }
        if (passphrase.length == 0) {
            throw new LuksException("the passphrase is empty");
        }
        SecureRandom random = new SecureRandom();
        byte[] volumeKey = new byte[KEY_BYTES];
        random.nextBytes(volumeKey);
        try {
            byte[] header = buildHeader(volumeKey, passphrase, options, random);
            write(image, header, DATA_OFFSET + size);
        } finally {
            Arrays.fill(volumeKey, (byte) 0);
        }
    }

    /** Both header copies and key slot 0's area: everything before the data. */
    private static byte[] buildHeader(byte[] volumeKey, byte[] passphrase, Options options, SecureRandom random) {
        Kdf kdf = slotKdf(options.kdf(), salt(random, 32));
        Luks2MetadataWriter.Slot slot = new Luks2MetadataWriter.Slot(kdf, KEYSLOT_AREA, areaSize());
        byte[] digestSalt = salt(random, 32);
        VolumeKeyDigest digest = new VolumeKeyDigest(HashAlgorithm.SHA256, DIGEST_ITERATIONS, digestSalt,
                Pbkdf2.derive(HashAlgorithm.SHA256, volumeKey, digestSalt, DIGEST_ITERATIONS, 32));
        byte[] json = Luks2MetadataWriter.json(slot, digest, options.sectorSize(), DATA_OFFSET, HDR_SIZE, DATA_OFFSET - KEYSLOT_AREA);
        String uuid = UUID.randomUUID().toString();
        byte[] out = new byte[(int) (KEYSLOT_AREA + slot.areaSize())];
        System.arraycopy(Luks2BinaryHeader.build(true, HDR_SIZE, uuid, salt(random, 64), json), 0, out, 0, (int) HDR_SIZE);
        System.arraycopy(Luks2BinaryHeader.build(false, HDR_SIZE, uuid, salt(random, 64), json), 0, out, (int) HDR_SIZE, (int) HDR_SIZE);
        byte[] material = AfSplitter.split(volumeKey, STRIPES, HashAlgorithm.SHA256, random);
        byte[] areaKey = kdf.derive(passphrase, KEY_BYTES);
        try {
            XtsCipher xts = new XtsCipher(areaKey);
            xts.encrypt(0, 1, 512, material, 0, out, (int) KEYSLOT_AREA, material.length);
            xts.destroy();
        } finally {
            Arrays.fill(areaKey, (byte) 0);
            Arrays.fill(material, (byte) 0);
        }
        return out;
    }

    /** The AF material in whole 4 KiB blocks, as cryptsetup sizes a key slot area. */
    private static long areaSize() {
        return ((long) KEY_BYTES * STRIPES + 4095) / 4096 * 4096;
    }

    private static Kdf slotKdf(SlotKdf choice, byte[] salt) {
        return switch (choice) {
            case Argon2id a -> new Argon2Kdf(Argon2Kdf.Variant.ARGON2ID, a.passes(), a.memoryKiB(), a.lanes(), salt);
            case Pbkdf2Sha256 p -> new Pbkdf2Kdf(HashAlgorithm.SHA256, p.iterations(), salt);
        };
    }

    private static byte[] salt(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Writes the header, then sets the length, which leaves the data area a hole. */
    private static void write(Path image, byte[] header, long length) {
        boolean created = false;
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            created = true;
            ImageIo.writeFully(ch, 0, ByteBuffer.wrap(header));
            ImageIo.writeFully(ch, length - 1, ByteBuffer.wrap(new byte[1]));
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new LuksException(image + " already exists; jvisor does not overwrite images");
        } catch (IOException e) {
            if (created) {
                try {
                    Files.deleteIfExists(image);
                } catch (IOException ignored) {
                    // The write error is the one to report.
                }
            }
            throw new LuksException("cannot write " + image + ": " + e.getMessage(), e);
        }
    }
}
