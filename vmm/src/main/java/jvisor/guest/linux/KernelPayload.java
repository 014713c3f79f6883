package jvisor.guest.linux;

import io.airlift.compress.v3.zstd.ZstdJavaInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import jvisor.boot.BadInputException;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The compressed vmlinux inside a bzImage, and its decompression on the host. The kernel's build
 * appends the decompressed size as a little-endian 32-bit word after the compressed stream; the
 * result is the vmlinux ELF followed by its relocation table.
 */
public final class KernelPayload {
    /** The compressors a kernel can be built with, by the magic bytes their streams start with. */
    public enum Format {
        GZIP("gzip", new int[] {0x1F, 0x8B}),
        XZ("xz", new int[] {0xFD, '7', 'z', 'X', 'Z', 0}),
        ZSTD("zstd", new int[] {0x28, 0xB5, 0x2F, 0xFD}),
        LZMA("lzma", new int[] {0x5D, 0, 0}),
        BZIP2("bzip2", new int[] {'B', 'Z', 'h'}),
        LZ4("lz4", new int[] {0x02, 0x21, 0x4C, 0x18}),
        LZO("lzo", new int[] {0x89, 'L', 'Z', 'O'}),
        UNKNOWN("an unknown format", new int[0]);

        private final String label;
        private final int[] magic;

        Format(String label, int[] magic) {
            this.label = label;
            this.magic = magic;
        }

        public String label() {
            return label;
        }

        boolean matches(byte[] data, int offset, int length) {
            if (magic.length == 0 || length < magic.length) {
                return false;
            }
            for (int i = 0; i < magic.length; i++) {
                if ((data[offset + i] & 0xFF) != magic[i]) {
                    return false;
                }
            }
            return true;
        }

        public boolean supported() {
            return this == GZIP || this == XZ || this == ZSTD || this == LZMA;
        }
    }

    /** The largest kernel jvisor decompresses; Debian's is about 64 MiB. */
    public static final long MAX_DECOMPRESSED = 1L << 30;

    private final SetupHeader header;
    private final byte[] image;
    private final int offset;
    private final int length;

    public KernelPayload(SetupHeader header, byte[] image) {
        this.header = header;
        this.image = image;
        this.offset = Math.toIntExact(header.kernelOffset() + header.payloadOffset());
        this.length = Math.toIntExact(header.payloadLength());
    }

    public Format format() {
        for (Format f : Format.values()) {
            if (f.matches(image, offset, length)) {
                return f;
            }
        }
        return Format.UNKNOWN;
    }

    /** The decompressed size the build recorded after the compressed stream. */
    public long decompressedSize() {
        return SetupHeader.u32(image, offset + length - 4) & 0xFFFF_FFFFL;
    }

    /** Decompresses the payload: the vmlinux ELF and whatever the build appended to it. */
    public byte[] decompress() {
        Format format = format();
        if (!format.supported()) {
            throw SetupHeader.bad(header.source(), "is compressed with " + format.label()
                    + ", which jvisor cannot unpack on the host: use --linux-entry protocol");
        }
        long size = decompressedSize();
        if (size == 0 || size > MAX_DECOMPRESSED) {
            throw SetupHeader.bad(header.source(), "records a decompressed size of " + size
                    + " bytes, which is not a plausible kernel");
        }
        byte[] out = new byte[(int) size];
        try (InputStream in = open(format, new ByteArrayInputStream(image, offset, length - 4))) {
            int filled = in.readNBytes(out, 0, out.length);
            if (filled != out.length) {
                throw SetupHeader.bad(header.source(), "has a " + format.label() + " payload that decompresses to "
                        + filled + " bytes, not the " + size + " its trailer records");
            }
            if (in.read() >= 0) {
                throw SetupHeader.bad(header.source(), "has a " + format.label()
                        + " payload that decompresses to more than the " + size + " bytes its trailer records");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw SetupHeader.bad(header.source(), "has a corrupt " + format.label() + " payload: " + e.getMessage());
        }
        return out;
    }

    private static InputStream open(Format format, InputStream in) throws IOException {
        return switch (format) {
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            // One stream only: the size trailer follows it and is not a second stream.
            case XZ -> new SingleXZInputStream(in);
            case ZSTD -> new ZstdJavaInputStream(in);
            case LZMA -> new LZMAInputStream(in);
            case BZIP2, LZ4, LZO, UNKNOWN -> throw new IllegalStateException("unsupported: " + format);
        };
    }
}
