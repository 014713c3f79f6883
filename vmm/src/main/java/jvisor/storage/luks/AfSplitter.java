package jvisor.storage.luks;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The anti-forensic splitter of LUKS (the "luks1" AF type of LUKS2 as well): a key is stored
 * as {@code stripes} blocks, all but the last random, chained through a hash-based diffusion,
 * so that erasing any part of the area makes the key unrecoverable.
 */
final class AfSplitter {
    private AfSplitter() { }

    static byte[] merge(byte[] material, int keyBytes, int stripes, HashAlgorithm hash) {
        if ((long) keyBytes * stripes > material.length || stripes < 1) {
            throw new IllegalArgumentException(stripes + " stripes of " + keyBytes + " bytes do not fit in " + material.length);
        }
        MessageDigest md = hash.newDigest();
        byte[] buf = new byte[keyBytes];
        for (int s = 0; s < stripes - 1; s++) {
            xor(buf, material, s * keyBytes);
            diffuse(buf, md);
        }
        xor(buf, material, (stripes - 1) * keyBytes);
        return buf;
    }

    static byte[] split(byte[] key, int stripes, HashAlgorithm hash, SecureRandom random) {
        MessageDigest md = hash.newDigest();
        int n = key.length;
        byte[] material = new byte[n * stripes];
        random.nextBytes(material);
        byte[] buf = new byte[n];
        for (int s = 0; s < stripes - 1; s++) {
            xor(buf, material, s * n);
            diffuse(buf, md);
        }
        for (int i = 0; i < n; i++) {
            material[(stripes - 1) * n + i] = (byte) (buf[i] ^ key[i]);
        }
        Arrays.fill(buf, (byte) 0);
        return material;
    }

    private static void xor(byte[] buf, byte[] material, int at) {
        for (int i = 0; i < buf.length; i++) {
            buf[i] ^= material[at + i];
        }
    }

    /** Each hash-sized piece i becomes H(be32(i) || piece), cut to the piece's length. */
    private static void diffuse(byte[] buf, MessageDigest md) {
        int h = md.getDigestLength();
        for (int i = 0, at = 0; at < buf.length; i++, at += h) {
            int len = Math.min(h, buf.length - at);
            md.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            md.update(buf, at, len);
            byte[] d = md.digest();
            System.arraycopy(d, 0, buf, at, len);
        }
    }
}
