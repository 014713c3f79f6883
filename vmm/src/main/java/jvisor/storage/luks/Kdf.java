package jvisor.storage.luks;

/** How a key slot turns a passphrase into the key that decrypts its area. */
sealed interface Kdf permits Pbkdf2Kdf, Argon2Kdf {
    /** Derives {@code length} bytes; the caller zeroes them when done. */
    byte[] derive(byte[] passphrase, int length);

    /** As cryptsetup prints it: "pbkdf2-sha256", "argon2id". */
    String name();
}
