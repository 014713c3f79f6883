package jvisor.storage.luks;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 (RFC 8018) over the JDK's HMAC. Not the JDK's PBKDF2 SecretKeyFactory: that one takes
 * the password as chars and hashes their UTF-8 form, while a LUKS passphrase is any bytes (a key
 * file often is binary); it was also slower here than this loop over {@link Mac#doFinal(byte[], int)}.
 * The output blocks are independent chains, so a key longer than one hash is derived on several
 * cores at once.
 */
final class Pbkdf2 {
    /**
     * Iterations a header may ask for: about a minute here for sha256 (cryptsetup's own
     * benchmark picks some millions for its default two seconds); more is refused, not run.
     */
    static final long MAX_ITERATIONS = 100_000_000L;

    private Pbkdf2() { }

    static void checkIterations(long iterations, String what) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new LuksException(what + " asks for " + iterations + " PBKDF2 iterations; jvisor runs 1 to " + MAX_ITERATIONS);
        }
    }

    static byte[] derive(HashAlgorithm hash, byte[] password, byte[] salt, long iterations, int length) {
        checkIterations(iterations, "PBKDF2");
        int h = hash.length();
        int blocks = (length + h - 1) / h;
        byte[] out = new byte[length];
        IntStream.rangeClosed(1, blocks).parallel().forEach(block -> {
            byte[] t = block(hash, password, salt, iterations, block);
            int at = (block - 1) * h;
            System.arraycopy(t, 0, out, at, Math.min(h, length - at));
            Arrays.fill(t, (byte) 0);
        });
        return out;
    }

    /** T_i = U_1 ^ U_2 ^ ... ^ U_c, with U_1 = HMAC(P, S || INT(i)) and U_j = HMAC(P, U_{j-1}). */
    private static byte[] block(HashAlgorithm hash, byte[] password, byte[] salt, long iterations, int index) {
        Mac mac = mac(hash, password);
        byte[] u = new byte[hash.length()];
        mac.update(salt);
        mac.update(new byte[] {(byte) (index >>> 24), (byte) (index >>> 16), (byte) (index >>> 8), (byte) index});
        doFinal(mac, u);
        byte[] t = u.clone();
        for (long i = 1; i < iterations; i++) {
            mac.update(u);
            doFinal(mac, u);
            for (int k = 0; k < t.length; k++) {
                t[k] ^= u[k];
            }
        }
        Arrays.fill(u, (byte) 0);
        return t;
    }

    private static Mac mac(HashAlgorithm hash, byte[] password) {
        try {
            Mac mac = Mac.getInstance(hash.macName());
            // HMAC pads a short key with zeros, so an empty password is the one-byte key 00,
            // which SecretKeySpec (refusing empty keys) accepts.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, hash.macName()));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + hash.macName(), e);
        }
    }

    private static void doFinal(Mac mac, byte[] into) {
        try {
            mac.doFinal(into, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC output does not fit its own length", e);
        }
    }
}
