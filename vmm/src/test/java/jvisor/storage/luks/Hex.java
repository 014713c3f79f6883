package jvisor.storage.luks;

import java.util.HexFormat;

/** Test vectors are written in hex, as their sources print them. */
final class Hex {
    private Hex() { }

    static byte[] bytes(String... parts) {
        return HexFormat.of().parseHex(String.join("", parts).replace(" ", ""));
    }

    static String of(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
