package jvisor.net.wire;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * IPv4 (RFC 791): header offsets from the start of the IP header, and addresses as plain ints in
 * network order (10.0.2.2 is {@code 0x0A000202}), which is what the per-frame code compares.
 */
public final class Ipv4 {
    private Ipv4() { }

    public static final int HEADER = 20;
    public static final int VERSION_IHL = 0;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int MORE_FRAGMENTS = 0x2000;
    public static final int DONT_FRAGMENT = 0x4000;
    public static final int FRAGMENT_OFFSET = 0x1FFF;
    public static final int BROADCAST = 0xFFFF_FFFF;
    public static final int DEFAULT_TTL = 64;

    /** Writes a 20-byte header with its checksum at {@code off}. */
    public static void writeHeader(ByteBuffer b, int off, int totalLength, int id, int flagsFragment,
                                   int protocol, int source, int destination) {
        Bytes.put8(b, off + VERSION_IHL, 0x45);
        Bytes.put8(b, off + 1, 0);
        Bytes.put16(b, off + TOTAL_LENGTH, totalLength);
        Bytes.put16(b, off + IDENTIFICATION, id);
        Bytes.put16(b, off + FLAGS_FRAGMENT, flagsFragment);
        Bytes.put8(b, off + TTL, DEFAULT_TTL);
        Bytes.put8(b, off + PROTOCOL, protocol);
        Bytes.put16(b, off + CHECKSUM, 0);
        Bytes.put32(b, off + SOURCE, source);
        Bytes.put32(b, off + DESTINATION, destination);
        Bytes.put16(b, off + CHECKSUM, Checksum.finish(Checksum.sum(b, off, HEADER)));
    }

    public static boolean multicast(int address) {
        return (address >>> 28) == 0xE;
    }

    /** Parses a dotted quad; null if {@code text} is not one (no name look-ups). */
    public static Integer parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int a = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            a = a << 8 | v;
        }
        return a;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    public static InetAddress toInet(int address) {
        try {
            return InetAddress.getByAddress(new byte[] {
                (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    /** The address as an int, or 0 if it is not IPv4 (0.0.0.0 is never a peer's address). */
    public static int of(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            return 0;
        }
        byte[] b = a.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }
}
