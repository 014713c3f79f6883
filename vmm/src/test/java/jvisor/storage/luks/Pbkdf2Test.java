package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PBKDF2 over raw bytes: the RFC 6070 vectors, and agreement with the JDK's own PBKDF2 where that can take the password. */
final class Pbkdf2Test {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void rfc6070_vector1_one_iteration() {
        assertArrayEquals(Hex.bytes("0c60c80f961f0e71f3a9b524af6012062fe037a6"), Pbkdf2.derive(HashAlgorithm.SHA1, ascii("password"), ascii("salt"), 1, 20));
    }

    @Test
    void rfc6070_vector2_two_iterations() {
        assertArrayEquals(Hex.bytes("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"), Pbkdf2.derive(HashAlgorithm.SHA1, ascii("password"), ascii("salt"), 2, 20));
    }

    @Test
    void rfc6070_vector3_4096_iterations() {
        assertArrayEquals(Hex.bytes("4b007901b765489abead49d926f721d065a429c1"), Pbkdf2.derive(HashAlgorithm.SHA1, ascii("password"), ascii("salt"), 4096, 20));
    }

    @Test
    void rfc6070_vector5_two_blocks() {
        assertArrayEquals(Hex.bytes("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"), Pbkdf2.derive(HashAlgorithm.SHA1,
                ascii("passwordPASSWORDpassword"), ascii("saltSALTsaltSALTsaltSALTsaltSALTsalt"), 4096, 25));
    }

    @Test
    void rfc6070_vector6_nul_bytes() {
        assertArrayEquals(Hex.bytes("56fa6aa75548099dcc37d7f03425e0c3"), Pbkdf2.derive(HashAlgorithm.SHA1, ascii("pass\0word"), ascii("sa\0lt"), 4096, 16));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @CsvSource({"SHA256, 32", "SHA256, 64", "SHA256, 20", "SHA512, 64", "SHA512, 100", "SHA1, 64"})
    void agrees_with_the_jdk_secret_key_factory(HashAlgorithm hash, int length) throws GeneralSecurityException {
        byte[] salt = Images.pattern(length, 32);
        String jdk = "PBKDF2WithHmac" + hash.macName().substring(4);
        byte[] expected = SecretKeyFactory.getInstance(jdk)
                .generateSecret(new PBEKeySpec("a passphrase".toCharArray(), salt, 1234, 8 * length)).getEncoded();
        assertArrayEquals(expected, Pbkdf2.derive(hash, ascii("a passphrase"), salt, 1234, length));
    }

    @Test
    void an_empty_password_is_the_zero_key_hmac_pads_to() throws GeneralSecurityException {
        byte[] expected = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(new char[0], ascii("salt"), 10, 256)).getEncoded();
        assertArrayEquals(expected, Pbkdf2.derive(HashAlgorithm.SHA256, new byte[0], ascii("salt"), 10, 32));
    }

    @Test
    void iteration_counts_outside_the_limits_are_refused() {
        assertThrows(LuksException.class, () -> Pbkdf2.derive(HashAlgorithm.SHA1, ascii("p"), ascii("s"), 0, 20));
        assertThrows(LuksException.class, () -> Pbkdf2.derive(HashAlgorithm.SHA1, ascii("p"), ascii("s"), Pbkdf2.MAX_ITERATIONS + 1, 20));
    }
}
