package jvisor.storage.luks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A minimal LUKS1 volume for tests that must run without cryptsetup: one PBKDF2 key slot at
 * sector 8, the data at sector 4096, laid out as cryptsetup's luksFormat --type luks1 does.
 */
final class Luks1Writer {
    static final long PAYLOAD = 4096 * 512L;
    static final int STRIPES = 4000;

    private Luks1Writer() { }

    static Path create(Path image, long dataBytes, byte[] passphrase, String hash, int keyBytes, int iterations) {
        SecureRandom random = new SecureRandom();
        HashAlgorithm h = HashAlgorithm.fromLuks(hash, "test");
        byte[] volumeKey = bytes(random, keyBytes);
        byte[] mkSalt = bytes(random, 32);
        byte[] slotSalt = bytes(random, 32);
        ByteBuffer phdr = ByteBuffer.allocate(Luks1Header.LENGTH);
        phdr.put(0, new byte[] {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE}).putShort(6, (short) 1);
        phdr.put(8, ascii("aes")).put(40, ascii("xts-plain64")).put(72, ascii(hash));
        phdr.putInt(104, (int) (PAYLOAD / 512)).putInt(108, keyBytes);
        phdr.put(112, Pbkdf2.derive(h, volumeKey, mkSalt, iterations, 20)).put(132, mkSalt).putInt(164, iterations);
        phdr.put(168, ascii("8c1b1c43-7f9e-4c2c-9d0b-2d3f4e5a6b7c"));
        for (int i = 0; i < Luks1Header.SLOTS; i++) {
            int at = 208 + 48 * i;
            phdr.putInt(at, i == 0 ? 0x00AC71F3 : 0x0000DEAD);
            phdr.putInt(at + 40, 8 + i * 512);
            phdr.putInt(at + 44, STRIPES);
            if (i == 0) {
                phdr.putInt(at + 4, iterations).put(at + 8, slotSalt);
            }
        }
        byte[] material = AfSplitter.split(volumeKey, STRIPES, h, random);
        byte[] padded = Arrays.copyOf(material, (material.length + 511) / 512 * 512);
        new XtsCipher(Pbkdf2.derive(h, passphrase, slotSalt, iterations, keyBytes)).encrypt(0, 1, 512, padded, 0, padded, 0, padded.length);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(PAYLOAD + dataBytes);
            f.write(phdr.array());
            f.seek(8 * 512);
            f.write(padded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return image;
    }

    private static byte[] bytes(SecureRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
