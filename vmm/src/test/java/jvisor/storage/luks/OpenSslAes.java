package jvisor.storage.luks;

import java.util.List;

/** OpenSSL's AES/ECB through its command line, so the reference XTS does not share the JDK's AES. */
final class OpenSslAes implements TextbookXts.Aes {
    @Override
    public byte[] ecb(byte[] key, boolean encrypt, byte[] data) {
        String cipher = "-aes-" + key.length * 8 + "-ecb";
        return HostTools.runOk(List.of("openssl", "enc", cipher, encrypt ? "-e" : "-d", "-nopad", "-K", Hex.of(key)), data, 30).stdout();
    }
}
