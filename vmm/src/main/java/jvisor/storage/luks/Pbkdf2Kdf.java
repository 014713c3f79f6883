package jvisor.storage.luks;

/** PBKDF2 as a key slot's KDF (LUKS1 slots, and LUKS2 slots made with --pbkdf pbkdf2). */
record Pbkdf2Kdf(HashAlgorithm hash, long iterations, byte[] salt) implements Kdf {
    Pbkdf2Kdf {
        Pbkdf2.checkIterations(iterations, "the key slot");
    }

    @Override
    public byte[] derive(byte[] passphrase, int length) {
        return Pbkdf2.derive(hash, passphrase, salt, iterations, length);
    }

    @Override
    public String name() {
        return "pbkdf2-" + hash.luksName();
    }
}
