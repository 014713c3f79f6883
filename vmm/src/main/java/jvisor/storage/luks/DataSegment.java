package jvisor.storage.luks;

/**
 * Where the ciphertext lies in the image and how its sectors are numbered: {@code offset} and
 * {@code length} in bytes, the encryption sector size, and {@code ivTweak} added to the sector
 * number (dm-crypt's iv_offset). The IV counts 512-byte units whatever the sector size: cryptsetup
 * does not ask dm-crypt for iv_large_sectors on LUKS2 (only for plain and BitLocker volumes), so
 * the 4096-byte sector at byte 8192 of the data has IV 16, not 2. cryptsetup's own reencryption
 * agrees (see CryptsetupImagesTest).
 */
record DataSegment(long offset, long length, int sectorSize, long ivTweak) {
    DataSegment {
        if (sectorSize < 512 || sectorSize > 4096 || Integer.bitCount(sectorSize) != 1) {
            throw new LuksException("the data segment's sector size is " + sectorSize + "; jvisor opens 512 to 4096, a power of two");
        }
        if (offset < 0 || length < 0 || length % sectorSize != 0 || ivTweak < 0) {
            throw new LuksException("the data segment's geometry is inconsistent");
        }
    }

    /** The plain64 IV of the sector at byte {@code at} of the plaintext. */
    long ivAt(long at) {
        return (at >>> 9) + ivTweak;
    }

    /** How much the IV grows from one sector to the next. */
    int ivStep() {
        return sectorSize / 512;
    }
}
