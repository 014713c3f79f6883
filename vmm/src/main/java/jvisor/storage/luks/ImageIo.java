package jvisor.storage.luks;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** Positional reads and writes that finish the whole buffer, and fixed-size header strings. */
final class ImageIo {
    private ImageIo() { }

    static void readFully(FileChannel ch, long position, ByteBuffer dst) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) {
                throw new EOFException("the image ends at byte " + at);
            }
            at += n;
        }
    }

    static void writeFully(FileChannel ch, long position, ByteBuffer src) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += ch.write(src, at);
        }
    }

    /** Reads header bytes, which must exist: an image cut short is a damaged header. */
    static byte[] readHeaderBytes(FileChannel ch, long position, int length, String what) {
        byte[] b = new byte[length];
        try {
            readFully(ch, position, ByteBuffer.wrap(b));
        } catch (EOFException e) {
            throw new LuksException("the image ends inside " + what + " (byte " + position + ", " + length + " bytes)");
        } catch (IOException e) {
            throw new LuksException("cannot read " + what + ": " + e.getMessage(), e);
        }
        return b;
    }

    /** A NUL-terminated ASCII field of {@code length} bytes; a field without its NUL is damage. */
    static String cString(byte[] b, int at, int length, String what) {
        for (int i = 0; i < length; i++) {
            if (b[at + i] == 0) {
                return new String(b, at, i, StandardCharsets.US_ASCII);
            }
        }
        throw new LuksException("the header's " + what + " field is not terminated");
    }
}
