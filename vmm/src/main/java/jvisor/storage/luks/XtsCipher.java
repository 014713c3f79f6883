package jvisor.storage.luks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-XTS (IEEE 1619) over whole sectors with plain64 tweaks, as dm-crypt's aes-xts-plain64:
 * the tweak of a sector is its IV (a 64-bit sector number, little-endian, zero-padded to 16 bytes)
 * encrypted with the second half of the key; block j of the sector is XORed with tweak * alpha^j
 * before and after AES under the first half. The IV of each sector is the previous one plus
 * {@code ivStep}: dm-crypt counts IVs in 512-byte units whatever the sector size, so a 4096-byte
 * sector advances it by 8. One instance belongs to one thread at a time.
 *
 * <p>Speed comes from the JDK's AES: the tweaks of a whole run of sectors are computed first, so
 * that each run is one multi-block AES/ECB call, which HotSpot compiles to the CPU's AES
 * instructions. Nothing is allocated per call.
 */
public final class XtsCipher {
    static final int BLOCK = 16;
    /** Bytes per run through the AES/ECB call; the scratch arrays are this big. */
    static final int CHUNK = 64 * 1024;
    private static final int MIN_SECTOR = 16;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Cipher dataEncrypt;
    private final Cipher dataDecrypt;
    private final Cipher tweakEncrypt;
    private final byte[] ivs = new byte[CHUNK / MIN_SECTOR * BLOCK];
    private final byte[] firstTweaks = new byte[CHUNK / MIN_SECTOR * BLOCK];
    private final byte[] tweaks = new byte[CHUNK];
    private final byte[] blocks = new byte[CHUNK];
    private boolean destroyed;

    /** {@code key} is K1 || K2: 32 bytes for AES-128-XTS, 64 for AES-256-XTS. */
    public XtsCipher(byte[] key) {
        if (key.length != 32 && key.length != 64) {
            throw new IllegalArgumentException("an XTS key is 32 or 64 bytes, not " + key.length);
        }
        int half = key.length / 2;
        SecretKeySpec k1 = new SecretKeySpec(key, 0, half, "AES");
        SecretKeySpec k2 = new SecretKeySpec(key, half, half, "AES");
        try {
            dataEncrypt = Cipher.getInstance("AES/ECB/NoPadding");
            dataDecrypt = Cipher.getInstance("AES/ECB/NoPadding");
            tweakEncrypt = Cipher.getInstance("AES/ECB/NoPadding");
            dataEncrypt.init(Cipher.ENCRYPT_MODE, k1);
            dataDecrypt.init(Cipher.DECRYPT_MODE, k1);
            tweakEncrypt.init(Cipher.ENCRYPT_MODE, k2);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's AES is unusable", e);
        }
    }

    /**
     * Encrypts {@code length} bytes, whole sectors of {@code sectorSize}, the first with IV
     * {@code firstIv}, the next with {@code firstIv + ivStep}, and so on. {@code dst} may be
     * {@code src} at the same offset; otherwise the ranges must not overlap.
     */
    public void encrypt(long firstIv, int ivStep, int sectorSize, byte[] src, int srcOff, byte[] dst, int dstOff, int length) {
        crypt(dataEncrypt, firstIv, ivStep, sectorSize, src, srcOff, dst, dstOff, length);
    }

    /** The inverse of {@link #encrypt}, with the same arguments. */
    public void decrypt(long firstIv, int ivStep, int sectorSize, byte[] src, int srcOff, byte[] dst, int dstOff, int length) {
        crypt(dataDecrypt, firstIv, ivStep, sectorSize, src, srcOff, dst, dstOff, length);
    }

    /** Replaces the AES key schedules with an all-zero key's and refuses further use. */
    public void destroy() {
        destroyed = true;
        byte[] zero = new byte[32];
        try {
            dataEncrypt.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(zero, "AES"));
            dataDecrypt.init(Cipher.DECRYPT_MODE, new SecretKeySpec(zero, "AES"));
            tweakEncrypt.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(zero, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's AES is unusable", e);
        }
        Arrays.fill(firstTweaks, (byte) 0);
        Arrays.fill(tweaks, (byte) 0);
        Arrays.fill(blocks, (byte) 0);
    }

    private void crypt(Cipher aes, long firstIv, int ivStep, int sectorSize, byte[] src, int srcOff, byte[] dst, int dstOff, int length) {
        if (destroyed) {
            throw new IllegalStateException("the volume key was destroyed");
        }
        if (sectorSize < MIN_SECTOR || sectorSize > CHUNK || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size " + sectorSize + " is not a power of two from 16 to " + CHUNK);
        }
        if (ivStep < 1) {
            throw new IllegalArgumentException("IV step " + ivStep);
        }
        if (length < 0 || length % sectorSize != 0) {
            throw new IllegalArgumentException("length " + length + " is not a multiple of the sector size " + sectorSize);
        }
        Objects.checkFromIndexSize(srcOff, length, src.length);
        Objects.checkFromIndexSize(dstOff, length, dst.length);
        long iv = firstIv;
        for (int done = 0; done < length; ) {
            int n = Math.min(length - done, CHUNK);
            int sectors = n / sectorSize;
            firstTweaksFor(iv, ivStep, sectors);
            whitenInto(blocks, src, srcOff + done, sectorSize, sectors);
            try {
                aes.update(blocks, 0, n, dst, dstOff + done);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/ECB refused whole blocks", e);
            }
            xorTweaks(dst, dstOff + done, n);
            iv += (long) sectors * ivStep;
            done += n;
        }
    }

    /** One ECB call encrypts the IVs of all sectors in the run: the first tweak of each. */
    private void firstTweaksFor(long iv, int ivStep, int sectors) {
        for (int s = 0; s < sectors; s++) {
            LONGS.set(ivs, s * BLOCK, iv + (long) s * ivStep);
            LONGS.set(ivs, s * BLOCK + 8, 0L);
        }
        try {
            tweakEncrypt.update(ivs, 0, sectors * BLOCK, firstTweaks, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/ECB refused whole blocks", e);
        }
    }

    /**
     * Computes every block's tweak (the previous one times alpha in GF(2^128), IEEE 1619's
     * little-endian convention) into {@code tweaks}, and writes {@code src ^ tweak} to {@code out}.
     */
    private void whitenInto(byte[] out, byte[] src, int srcOff, int sectorSize, int sectors) {
        int p = 0;
        for (int s = 0; s < sectors; s++) {
            long lo = (long) LONGS.get(firstTweaks, s * BLOCK);
            long hi = (long) LONGS.get(firstTweaks, s * BLOCK + 8);
            for (int end = p + sectorSize; p < end; p += BLOCK) {
                LONGS.set(tweaks, p, lo);
                LONGS.set(tweaks, p + 8, hi);
                LONGS.set(out, p, lo ^ (long) LONGS.get(src, srcOff + p));
                LONGS.set(out, p + 8, hi ^ (long) LONGS.get(src, srcOff + p + 8));
                long carry = hi >> 63;
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ (carry & 0x87);
            }
        }
    }

    private void xorTweaks(byte[] data, int off, int n) {
        for (int i = 0; i < n; i += 8) {
            LONGS.set(data, off + i, (long) LONGS.get(data, off + i) ^ (long) LONGS.get(tweaks, i));
        }
    }
}
