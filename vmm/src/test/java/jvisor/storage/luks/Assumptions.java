package jvisor.storage.luks;

/** Skips a test, saying why, where a reference tool is missing. */
final class Assumptions {
    private Assumptions() { }

    static void openssl() {
        HostTools.assumeInstalled("openssl", "openssl");
    }
}
