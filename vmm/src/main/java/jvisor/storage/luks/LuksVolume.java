package jvisor.storage.luks;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An unlocked LUKS1 or LUKS2 volume in an image file: the guest reads and writes plaintext, the
 * image only ever holds ciphertext. Safe for many I/O threads at once; each request borrows an
 * XTS cipher with its own buffer from a pool, so the data path allocates nothing.
 *
 * <p>Opening reads the header and tries the passphrase with the image open read-only; only once
 * a key slot has given the volume key is the image reopened for writing (after checking it is
 * still the same header). The header and key slots are never written.
 */
public final class LuksVolume implements AutoCloseable {
    /** Try every active key slot, by priority. */
    public static final int ANY_KEY_SLOT = -1;

    private final Path image;
    private final FileChannel channel;
    private final FileLock lock;
    private final DataSegment segment;
    private final boolean readOnly;
    private final CipherPool ciphers;
    private final String description;
    /** I/O holds it shared; close holds it exclusively, so no cipher is cleared while in use. */
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private boolean closed;

    private LuksVolume(Path image, FileChannel channel, FileLock lock, LuksHeader header, KeySlotUnlocker.Unlocked unlocked, boolean readOnly) {
        this.image = image;
        this.channel = channel;
        this.lock = lock;
        this.segment = header.segment();
        this.readOnly = readOnly;
        this.ciphers = new CipherPool(unlocked.volumeKey(), Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        KeySlot slot = unlocked.slot();
        this.description = "LUKS" + header.version() + " " + XtsKeys.CIPHER + " " + 8 * slot.keyBytes() + "-bit, "
                + segment.sectorSize() + "-byte sectors, key slot " + slot.index() + " (" + slot.kdf().name() + ")";
    }

    /**
     * Opens and unlocks {@code image} with whichever key slot takes {@code passphrase}. A
     * {@link LuksException} with a one-line message reports any problem, the image untouched.
     */
    public static LuksVolume open(Path image, byte[] passphrase, boolean readOnly) {
        return open(image, passphrase, readOnly, ANY_KEY_SLOT);
    }

    /** As {@link #open(Path, byte[], boolean)}, trying only {@code keySlot} unless it is {@link #ANY_KEY_SLOT}. */
    public static LuksVolume open(Path image, byte[] passphrase, boolean readOnly, int keySlot) {
        FileChannel probe = null;
        FileChannel writable = null;
        KeySlotUnlocker.Unlocked unlocked = null;
        LuksVolume volume = null;
        try {
            probe = openChannel(image, false);
            LuksHeader header = LuksHeaderReader.read(probe, probe.size());
            unlocked = KeySlotUnlocker.unlock(probe, header, passphrase, keySlot);
            FileChannel channel = probe;
            if (!readOnly) {
                channel = writable = openChannel(image, true);
                if (!MessageDigest.isEqual(fingerprint(probe, header), fingerprint(writable, header))) {
                    throw new LuksException("the image changed while it was being unlocked");
                }
            }
            volume = new LuksVolume(image, channel, lockImage(channel, readOnly), header, unlocked, readOnly);
            return volume;
        } catch (IOException e) {
            throw new LuksException(image + ": cannot read: " + e.getMessage(), e);
        } catch (LuksException e) {
            throw new LuksException(image + ": " + e.getMessage(), e);
        } finally {
            if (unlocked != null) {
                Arrays.fill(unlocked.volumeKey(), (byte) 0);
            }
            if (volume == null || !readOnly) {
                closeQuietly(probe);
            }
            if (volume == null) {
                closeQuietly(writable);
            }
        }
    }

    /** Plaintext bytes the guest sees. */
    public long size() {
        return segment.length();
    }

    /** The encryption sector size, 512 or 4096; requests must be whole sectors of it. */
    public int sectorSize() {
        return segment.sectorSize();
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** For example "LUKS2 aes-xts-plain64 512-bit, 512-byte sectors, key slot 0 (argon2id)". */
    public String description() {
        return description;
    }

    /**
     * Reads the plaintext at {@code [offset, offset + dst.remaining())} into {@code dst}, which
     * may be direct or on the heap, and advances its position to its limit as a channel read
     * would. Offset and length must be whole sectors of {@link #sectorSize()} inside the volume;
     * otherwise IllegalArgumentException, before anything is read.
     */
    public void read(long offset, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        checkRange(offset, length);
        enter();
        CipherPool.Worker w = ciphers.take();
        try {
            int pos = dst.position();
            for (int done = 0; done < length; ) {
                int n = Math.min(length - done, CipherPool.IO_CHUNK);
                ImageIo.readFully(channel, segment.offset() + offset + done, w.ioBuffer.clear().limit(n));
                long iv = segment.ivAt(offset + done);
                if (dst.hasArray()) {
                    w.xts.decrypt(iv, segment.ivStep(), segment.sectorSize(), w.io, 0, dst.array(), dst.arrayOffset() + pos + done, n);
                } else {
                    w.xts.decrypt(iv, segment.ivStep(), segment.sectorSize(), w.io, 0, w.io, 0, n);
                    dst.put(pos + done, w.io, 0, n);
                }
                done += n;
            }
            dst.position(pos + length);
        } finally {
            ciphers.give(w);
            closing.readLock().unlock();
        }
    }

    /**
     * Encrypts {@code src}'s remaining bytes into the image at plaintext {@code offset}, through
     * a scratch buffer: {@code src}'s contents are never changed, its position advances to its
     * limit. The same rules for offset and length as {@link #read}.
     */
    public void write(long offset, ByteBuffer src) throws IOException {
        int length = src.remaining();
        checkRange(offset, length);
        if (readOnly) {
            throw new IOException(image + " is open read-only");
        }
        enter();
        CipherPool.Worker w = ciphers.take();
        try {
            int pos = src.position();
            for (int done = 0; done < length; ) {
                int n = Math.min(length - done, CipherPool.IO_CHUNK);
                long iv = segment.ivAt(offset + done);
                if (src.hasArray()) {
                    w.xts.encrypt(iv, segment.ivStep(), segment.sectorSize(), src.array(), src.arrayOffset() + pos + done, w.io, 0, n);
                } else {
                    src.get(pos + done, w.io, 0, n);
                    w.xts.encrypt(iv, segment.ivStep(), segment.sectorSize(), w.io, 0, w.io, 0, n);
                }
                ImageIo.writeFully(channel, segment.offset() + offset + done, w.ioBuffer.clear().limit(n));
                done += n;
            }
            src.position(pos + length);
        } finally {
            ciphers.give(w);
            closing.readLock().unlock();
        }
    }

    /**
     * As {@link #read(long, ByteBuffer)}, into all of {@code dst}: native memory such as a slice
     * of guest RAM, which a device fills without wrapping it in a buffer per request.
     */
    public void read(long offset, MemorySegment dst) throws IOException {
        int length = segmentLength(dst);
        checkRange(offset, length);
        enter();
        CipherPool.Worker w = ciphers.take();
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(length - done, CipherPool.IO_CHUNK);
                ImageIo.readFully(channel, segment.offset() + offset + done, w.ioBuffer.clear().limit(n));
                w.xts.decrypt(segment.ivAt(offset + done), segment.ivStep(), segment.sectorSize(), w.io, 0, w.io, 0, n);
                MemorySegment.copy(w.io, 0, dst, ValueLayout.JAVA_BYTE, done, n);
                done += n;
            }
        } finally {
            ciphers.give(w);
            closing.readLock().unlock();
        }
    }

    /** As {@link #write(long, ByteBuffer)}, from all of {@code src}, which is never changed. */
    public void write(long offset, MemorySegment src) throws IOException {
        int length = segmentLength(src);
        checkRange(offset, length);
        if (readOnly) {
            throw new IOException(image + " is open read-only");
        }
        enter();
        CipherPool.Worker w = ciphers.take();
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(length - done, CipherPool.IO_CHUNK);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, done, w.io, 0, n);
                w.xts.encrypt(segment.ivAt(offset + done), segment.ivStep(), segment.sectorSize(), w.io, 0, w.io, 0, n);
                ImageIo.writeFully(channel, segment.offset() + offset + done, w.ioBuffer.clear().limit(n));
                done += n;
            }
        } finally {
            ciphers.give(w);
            closing.readLock().unlock();
        }
    }

    /** Makes written sectors durable: FileChannel.force(false). */
    public void flush() throws IOException {
        enter();
        try {
            channel.force(false);
        } finally {
            closing.readLock().unlock();
        }
    }

    /** Waits for I/O in progress, clears the key from every cipher, and closes the image. */
    @Override
    public void close() throws IOException {
        closing.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ciphers.destroy();
            try {
                lock.release();
            } finally {
                channel.close();
            }
        } finally {
            closing.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return image + ": " + description;
    }

    private void enter() throws IOException {
        closing.readLock().lock();
        if (closed) {
            closing.readLock().unlock();
            throw new IOException(image + " is closed");
        }
    }

    private static int segmentLength(MemorySegment m) {
        if (m.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a request of " + m.byteSize() + " bytes is larger than 2 GiB");
        }
        return (int) m.byteSize();
    }

    private void checkRange(long offset, int length) {
        int s = segment.sectorSize();
        if (offset < 0 || offset % s != 0 || length % s != 0 || offset > segment.length() - length) {
            throw new IllegalArgumentException("a request of " + length + " bytes at byte " + offset
                    + " is not whole " + s + "-byte sectors inside the " + segment.length() + "-byte volume");
        }
    }

    private static FileChannel openChannel(Path image, boolean writable) {
        try {
            return writable ? FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(image, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LuksException("no such file");
        } catch (AccessDeniedException e) {
            throw new LuksException("permission denied" + (writable ? " for writing" : ""));
        } catch (IOException e) {
            throw new LuksException("cannot open: " + e.getMessage(), e);
        }
    }

    /** One writer or many readers per image, across processes (POSIX locks) and within this one. */
    private static FileLock lockImage(FileChannel channel, boolean shared) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException e) {
            throw new LuksException("is already open in this jvisor");
        }
        if (lock == null) {
            throw new LuksException("is in use by another process");
        }
        return lock;
    }

    /** A hash of the header region, to see that a reopened image is the one that was unlocked. */
    private static byte[] fingerprint(FileChannel ch, LuksHeader header) {
        byte[] region = ImageIo.readHeaderBytes(ch, 0, (int) header.metadataLength(), "the header");
        return HashAlgorithm.SHA256.newDigest().digest(region);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // Nothing was written through it; the first error is the one to report.
            }
        }
    }
}
