package jvisor.storage.luks;

/**
 * One active key slot: how to derive the key of its area from a passphrase, where the area is,
 * and how the volume key is split across it. The area is aes-xts-plain64 with 512-byte sectors
 * numbered from 0 at {@code areaOffset}, in LUKS1 and LUKS2 alike.
 *
 * @param priority LUKS2's: 2 is tried first, 1 next, 0 only when the slot is asked for by number
 */
record KeySlot(int index, int priority, Kdf kdf, long areaOffset, int areaKeyBytes, int keyBytes, int stripes,
        HashAlgorithm afHash, VolumeKeyDigest digest) {
    /** Keeps an area's read inside memory we are willing to spend on one slot. */
    static final int MAX_AREA = 16 << 20;

    KeySlot {
        XtsKeys.checkLength(areaKeyBytes, "key slot " + index + "'s area");
        XtsKeys.checkLength(keyBytes, "key slot " + index);
        if (stripes < 1 || (long) keyBytes * stripes > MAX_AREA) {
            throw new LuksException("key slot " + index + " has " + stripes + " stripes; jvisor reads at most " + MAX_AREA + " bytes of key material");
        }
        if (areaOffset < 512 || areaOffset % 512 != 0) {
            throw new LuksException("key slot " + index + "'s area is at byte " + areaOffset + ", not on a 512-byte sector after the header");
        }
    }

    /** The bytes of key material in the area, whole 512-byte sectors. */
    int materialLength() {
        return (keyBytes * stripes + 511) / 512 * 512;
    }
}
