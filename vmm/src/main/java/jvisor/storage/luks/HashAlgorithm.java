package jvisor.storage.luks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/** The hashes LUKS names in its headers that jvisor implements, with their JDK names. */
enum HashAlgorithm {
    SHA1("sha1", "SHA-1", "HmacSHA1", 20),
    SHA256("sha256", "SHA-256", "HmacSHA256", 32),
    SHA512("sha512", "SHA-512", "HmacSHA512", 64);

    private final String luksName;
    private final String digestName;
    private final String macName;
    private final int length;

    HashAlgorithm(String luksName, String digestName, String macName, int length) {
        this.luksName = luksName;
        this.digestName = digestName;
        this.macName = macName;
        this.length = length;
    }

    /** {@code where} names the header field, for the message when the hash is not one of ours. */
    static HashAlgorithm fromLuks(String name, String where) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (HashAlgorithm h : values()) {
            if (h.luksName.equals(lower)) {
                return h;
            }
        }
        throw new LuksException(where + " uses hash '" + Printable.of(name) + "', which jvisor does not implement (sha1, sha256, sha512)");
    }

    String luksName() {
        return luksName;
    }

    String macName() {
        return macName;
    }

    int length() {
        return length;
    }

    MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(digestName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + digestName, e);
        }
    }
}
