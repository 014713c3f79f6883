package jvisor.storage.luks;

import java.util.Arrays;

/**
 * XTS as IEEE 1619 describes it, one sector and one block at a time, with the tweak doubled byte
 * by byte: a reference to check {@link XtsCipher}'s batched form against. The AES underneath is
 * a parameter, so that it can be OpenSSL's instead of the JDK's.
 */
final class TextbookXts {
    /** AES/ECB over whole blocks under {@code key}. */
    interface Aes {
        byte[] ecb(byte[] key, boolean encrypt, byte[] data);
    }

    private final Aes aes;

    TextbookXts(Aes aes) {
        this.aes = aes;
    }

    byte[] encrypt(byte[] key, long sector, byte[] plaintext) {
        return crypt(key, sector, plaintext, true);
    }

    byte[] decrypt(byte[] key, long sector, byte[] ciphertext) {
        return crypt(key, sector, ciphertext, false);
    }

    private byte[] crypt(byte[] key, long sector, byte[] in, boolean encrypt) {
        byte[] k1 = Arrays.copyOfRange(key, 0, key.length / 2);
        byte[] k2 = Arrays.copyOfRange(key, key.length / 2, key.length);
        byte[] iv = new byte[16];
        for (int i = 0; i < 8; i++) {
            iv[i] = (byte) (sector >>> (8 * i));
        }
        byte[] t = aes.ecb(k2, true, iv);
        byte[] tweaks = new byte[in.length];
        byte[] whitened = new byte[in.length];
        for (int block = 0; block < in.length; block += 16) {
            System.arraycopy(t, 0, tweaks, block, 16);
            for (int i = 0; i < 16; i++) {
                whitened[block + i] = (byte) (in[block + i] ^ t[i]);
            }
            double_(t);
        }
        byte[] out = aes.ecb(k1, encrypt, whitened);
        for (int i = 0; i < out.length; i++) {
            out[i] ^= tweaks[i];
        }
        return out;
    }

    /** t = t * alpha: a left shift of the little-endian 128-bit number, 0x87 folded in on carry. */
    private static void double_(byte[] t) {
        int carry = 0;
        for (int i = 0; i < 16; i++) {
            int b = t[i] & 0xFF;
            t[i] = (byte) ((b << 1) | carry);
            carry = b >>> 7;
        }
        if (carry != 0) {
            t[0] ^= (byte) 0x87;
        }
    }
}
