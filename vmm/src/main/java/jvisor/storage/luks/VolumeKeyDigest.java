package jvisor.storage.luks;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * How a header recognises its volume key: PBKDF2 of the key under a salt (LUKS1's mk-digest,
 * LUKS2's "pbkdf2" digest). A key slot whose merged key does not give this digest was opened
 * with the wrong passphrase.
 */
record VolumeKeyDigest(HashAlgorithm hash, long iterations, byte[] salt, byte[] digest) {
    VolumeKeyDigest {
        Pbkdf2.checkIterations(iterations, "the volume key digest");
        if (digest.length < 16 || digest.length > 64) {
            throw new LuksException("the volume key digest is " + digest.length + " bytes; jvisor expects 16 to 64");
        }
    }

    boolean matches(byte[] volumeKey) {
        byte[] d = Pbkdf2.derive(hash, volumeKey, salt, iterations, digest.length);
        try {
            return MessageDigest.isEqual(d, digest);
        } finally {
            Arrays.fill(d, (byte) 0);
        }
    }
}
