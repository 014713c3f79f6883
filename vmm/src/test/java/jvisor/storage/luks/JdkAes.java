package jvisor.storage.luks;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** The JDK's AES/ECB, for {@link TextbookXts}. */
final class JdkAes implements TextbookXts.Aes {
    @Override
    public byte[] ecb(byte[] key, boolean encrypt, byte[] data) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
