package jvisor.storage.luks;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The LUKS1 header: one 592-byte big-endian "phdr" at the start of the image with the cipher,
 * the volume key digest and eight key slots, each pointing at its key material by sector.
 */
final class Luks1Header {
    static final int LENGTH = 592;
    static final int SLOTS = 8;
    private static final int SLOT_ACTIVE = 0x00AC71F3;
    private static final int SLOT_INACTIVE = 0x0000DEAD;
    private static final int DIGEST_LENGTH = 20;
    private static final int SALT_LENGTH = 32;

    private Luks1Header() { }

    static LuksHeader parse(byte[] phdr, long imageSize) {
        ByteBuffer b = ByteBuffer.wrap(phdr); // big-endian, as LUKS1 writes every number
        String cipher = ImageIo.cString(phdr, 8, 32, "cipher name");
        String mode = ImageIo.cString(phdr, 40, 32, "cipher mode");
        XtsKeys.checkCipher(cipher + "-" + mode, "this LUKS1 volume");
        HashAlgorithm hash = HashAlgorithm.fromLuks(ImageIo.cString(phdr, 72, 32, "hash"), "this LUKS1 volume");
        long payload = Integer.toUnsignedLong(b.getInt(104)) * 512;
        int keyBytes = b.getInt(108);
        XtsKeys.checkLength(keyBytes, "this LUKS1 volume");
        VolumeKeyDigest digest = new VolumeKeyDigest(hash, Integer.toUnsignedLong(b.getInt(164)),
                Arrays.copyOfRange(phdr, 132, 132 + SALT_LENGTH), Arrays.copyOfRange(phdr, 112, 112 + DIGEST_LENGTH));
        String uuid = ImageIo.cString(phdr, 168, 40, "UUID");
        if (payload < LENGTH || payload > imageSize) {
            throw new LuksException("the LUKS1 data offset (byte " + payload + ") lies outside the " + imageSize + "-byte image");
        }
        List<KeySlot> slots = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            int at = 208 + 48 * i;
            int state = b.getInt(at);
            if (state == SLOT_INACTIVE) {
                continue;
            }
            if (state != SLOT_ACTIVE) {
                throw new LuksException("LUKS1 key slot " + i + " is damaged (state " + Integer.toHexString(state) + ")");
            }
            Kdf kdf = new Pbkdf2Kdf(hash, Integer.toUnsignedLong(b.getInt(at + 4)), Arrays.copyOfRange(phdr, at + 8, at + 8 + SALT_LENGTH));
            long area = Integer.toUnsignedLong(b.getInt(at + 40)) * 512;
            long stripes = Integer.toUnsignedLong(b.getInt(at + 44));
            KeySlot slot = new KeySlot(i, 1, kdf, area, keyBytes, keyBytes, (int) Math.min(stripes, Integer.MAX_VALUE), hash, digest);
            if (area < LENGTH || area + slot.materialLength() > payload) {
                throw new LuksException("LUKS1 key slot " + i + "'s key material lies outside the header area");
            }
            slots.add(slot);
        }
        long length = (imageSize - payload) / 512 * 512;
        return new LuksHeader(1, uuid, new DataSegment(payload, length, 512, 0), slots, List.of(), LENGTH);
    }
}
