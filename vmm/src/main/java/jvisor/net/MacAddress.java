package jvisor.net;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import jvisor.boot.BadInputException;

/** A 48-bit Ethernet address, held in the low bits of a long. */
public record MacAddress(long bits) {
    public static final MacAddress BROADCAST = new MacAddress(0xFFFF_FFFF_FFFFL);
    /** QEMU's default guest MAC, so guests configured for QEMU find the same address. */
    public static final MacAddress DEFAULT_GUEST = new MacAddress(0x5254_0012_3456L);

    public MacAddress {
        if ((bits >>> 48) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits: " + Long.toHexString(bits));
        }
    }

    /** Parses {@code 52:54:00:12:34:56} (or with dashes); a mistake names the option. */
    public static MacAddress parse(String text, String option) {
        String[] parts = text.split("[:-]", -1);
        if (parts.length != 6) {
            throw new BadInputException(option + " '" + text + "' is not a MAC address: use six hex bytes, e.g. 52:54:00:12:34:56");
        }
        long bits = 0;
        for (String p : parts) {
            if (p.length() != 2 || !HexFormat.isHexDigit(p.charAt(0)) || !HexFormat.isHexDigit(p.charAt(1))) {
                throw new BadInputException(option + " '" + text + "' is not a MAC address: use six hex bytes, e.g. 52:54:00:12:34:56");
            }
            bits = bits << 8 | Integer.parseInt(p, 16);
        }
        MacAddress mac = new MacAddress(bits);
        if (mac.multicast()) {
            throw new BadInputException(option + " '" + text + "' is a multicast address: a NIC needs a unicast one (first byte even)");
        }
        return mac;
    }

    /** Reads six bytes at {@code offset}, whatever the buffer's byte order. */
    public static MacAddress read(ByteBuffer b, int offset) {
        return new MacAddress(readBits(b, offset));
    }

    /** The same as {@link #read} without the record, for the per-frame path. */
    public static long readBits(ByteBuffer b, int offset) {
        long bits = 0;
        for (int i = 0; i < 6; i++) {
            bits = bits << 8 | (b.get(offset + i) & 0xFF);
        }
        return bits;
    }

    public void write(ByteBuffer b, int offset) {
        writeBits(b, offset, bits);
    }

    public static void writeBits(ByteBuffer b, int offset, long bits) {
        for (int i = 0; i < 6; i++) {
            b.put(offset + i, (byte) (bits >>> (40 - 8 * i)));
        }
    }

    /** Group addresses (broadcast included) have the lowest bit of the first byte set. */
    public boolean multicast() {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                s.append(':');
            }
            s.append(HexFormat.of().toHexDigits((byte) (bits >>> (40 - 8 * i))));
        }
        return s.toString();
    }
}
