package jvisor.storage.luks;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The binary part of a LUKS2 header: two copies, each a 4 KiB big-endian block followed by the
 * JSON area, the whole {@code hdrSize} bytes covered by a checksum. The primary sits at 0, the
 * secondary right after it; if the primary is damaged the secondary is looked for at every size
 * a LUKS2 header can have. Of two good copies the one with the higher sequence id wins.
 *
 * @param json the JSON text, up to its terminating NUL
 */
record Luks2BinaryHeader(long hdrSize, long seqid, long offset, String uuid, byte[] json) {
    static final int BINARY_LENGTH = 4096;
    static final byte[] MAGIC_PRIMARY = {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE};
    static final byte[] MAGIC_SECONDARY = {'S', 'K', 'U', 'L', (byte) 0xBA, (byte) 0xBE};
    static final int CSUM_AT = 448;
    static final int CSUM_LENGTH = 64;
    /** 16 KiB to 4 MiB, doubling: the sizes cryptsetup allows for one header copy. */
    static final long MIN_SIZE = 16 << 10;
    static final long MAX_SIZE = 4 << 20;

    /** Picks the copy to trust, or says why neither can be. */
    static Luks2BinaryHeader read(FileChannel ch, long imageSize) {
        Luks2BinaryHeader h = find(ch, imageSize);
        if (h == null) {
            throw new LuksException("neither copy of the LUKS2 header is intact (bad checksum or fields)");
        }
        return h;
    }

    /** The copy to trust, or null if neither is intact. */
    static Luks2BinaryHeader find(FileChannel ch, long imageSize) {
        Luks2BinaryHeader primary = tryRead(ch, 0, imageSize, MAGIC_PRIMARY, -1);
        Luks2BinaryHeader secondary = null;
        if (primary != null) {
            secondary = tryRead(ch, primary.hdrSize, imageSize, MAGIC_SECONDARY, primary.hdrSize);
        } else {
            for (long at = MIN_SIZE; at <= MAX_SIZE && secondary == null; at <<= 1) {
                secondary = tryRead(ch, at, imageSize, MAGIC_SECONDARY, at);
            }
        }
        if (primary == null) {
            return secondary;
        }
        return secondary != null && Long.compareUnsigned(secondary.seqid, primary.seqid) > 0 ? secondary : primary;
    }

    /** The copy at {@code at} if it is whole and its checksum holds, else null. */
    private static Luks2BinaryHeader tryRead(FileChannel ch, long at, long imageSize, byte[] magic, long expectSize) {
        if (at + BINARY_LENGTH > imageSize) {
            return null;
        }
        byte[] head = ImageIo.readHeaderBytes(ch, at, BINARY_LENGTH, "the LUKS2 header");
        ByteBuffer b = ByteBuffer.wrap(head);
        long size = b.getLong(8);
        if (!Arrays.equals(head, 0, 6, magic, 0, 6) || b.getShort(6) != 2 || b.getLong(256) != at
                || size < MIN_SIZE || size > MAX_SIZE || Long.bitCount(size) != 1 || (expectSize >= 0 && size != expectSize)
                || at + size > imageSize) {
            return null;
        }
        String algorithm;
        String uuid;
        try {
            algorithm = ImageIo.cString(head, 72, 32, "checksum algorithm");
            uuid = ImageIo.cString(head, 168, 40, "UUID");
        } catch (LuksException e) {
            return null;
        }
        byte[] whole = new byte[(int) size];
        System.arraycopy(head, 0, whole, 0, BINARY_LENGTH);
        byte[] rest = ImageIo.readHeaderBytes(ch, at + BINARY_LENGTH, (int) size - BINARY_LENGTH, "the LUKS2 JSON area");
        System.arraycopy(rest, 0, whole, BINARY_LENGTH, rest.length);
        if (!checksumHolds(whole, algorithm)) {
            return null;
        }
        int end = BINARY_LENGTH;
        while (end < whole.length && whole[end] != 0) {
            end++;
        }
        return new Luks2BinaryHeader(size, b.getLong(16), at, uuid, Arrays.copyOfRange(whole, BINARY_LENGTH, end));
    }

    /** The checksum covers the whole copy with its own field zeroed. */
    private static boolean checksumHolds(byte[] whole, String algorithm) {
        HashAlgorithm hash;
        try {
            hash = HashAlgorithm.fromLuks(algorithm, "the LUKS2 header checksum");
        } catch (LuksException e) {
            return false;
        }
        byte[] stored = Arrays.copyOfRange(whole, CSUM_AT, CSUM_AT + CSUM_LENGTH);
        Arrays.fill(whole, CSUM_AT, CSUM_AT + CSUM_LENGTH, (byte) 0);
        byte[] computed = Arrays.copyOf(hash.newDigest().digest(whole), CSUM_LENGTH);
        System.arraycopy(stored, 0, whole, CSUM_AT, CSUM_LENGTH);
        return MessageDigest.isEqual(stored, computed);
    }

    /**
     * One copy as {@link LuksFormat} writes it: the binary header (sequence id 1, no label, a
     * sha256 checksum under its own random salt) and the JSON, NUL-padded to {@code hdrSize}.
     */
    static byte[] build(boolean primary, long hdrSize, String uuid, byte[] salt, byte[] json) {
        if (json.length >= hdrSize - BINARY_LENGTH || salt.length != 64) {
            throw new IllegalArgumentException("the JSON or salt does not fit the header");
        }
        byte[] whole = new byte[(int) hdrSize];
        ByteBuffer b = ByteBuffer.wrap(whole);
        b.put(0, primary ? MAGIC_PRIMARY : MAGIC_SECONDARY);
        b.putShort(6, (short) 2);
        b.putLong(8, hdrSize);
        b.putLong(16, 1);
        b.put(72, "sha256".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.put(104, salt);
        b.put(168, uuid.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putLong(256, primary ? 0 : hdrSize);
        b.put(BINARY_LENGTH, json);
        byte[] d = HashAlgorithm.SHA256.newDigest().digest(whole);
        System.arraycopy(d, 0, whole, CSUM_AT, d.length);
        return whole;
    }
}
