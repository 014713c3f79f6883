package jvisor.storage.luks;

/** The one cipher jvisor implements, aes-xts-plain64, and the key lengths it takes. */
final class XtsKeys {
    static final String CIPHER = "aes-xts-plain64";

    private XtsKeys() { }

    /** LUKS1 names cipher and mode apart ("aes", "xts-plain64"); LUKS2 joins them with '-'. */
    static void checkCipher(String spec, String where) {
        if (!spec.equals(CIPHER)) {
            throw new LuksException(where + " uses cipher '" + Printable.of(spec) + "'; jvisor implements " + CIPHER + " only");
        }
    }

    /** 32 bytes is AES-128-XTS (cryptsetup's --key-size 256), 64 is AES-256-XTS. */
    static void checkLength(int bytes, String where) {
        if (bytes != 32 && bytes != 64) {
            throw new LuksException(where + " has a " + 8L * bytes + "-bit key; aes-xts-plain64 in jvisor takes 256 or 512 bits");
        }
    }
}
