package jvisor.storage.luks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Edits headers the way an attacker could: bytes anywhere, or the LUKS2 JSON with the checksums
 * made right again, so that the parser, not the checksum, has to catch what is wrong.
 */
final class HeaderSurgery {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private HeaderSurgery() { }

    /** A sparse copy holding the first {@code headerBytes} of {@code source}, with the same length. */
    static Path copy(Path source, Path target, long headerBytes) {
        try (RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw")) {
            byte[] head = Images.read(source, 0, (int) headerBytes);
            out.write(head);
            out.setLength(Files.size(source));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    static void poke(Path image, long at, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode json(Path image) {
        try {
            byte[] area = Images.read(image, 4096, 12288);
            int end = 0;
            while (area[end] != 0) {
                end++;
            }
            return (ObjectNode) MAPPER.readTree(Arrays.copyOf(area, end));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void setJson(Path image, ObjectNode json) {
        try {
            setJson(image, MAPPER.writeValueAsBytes(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void setJson(Path image, String json) {
        setJson(image, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code json} into both 16 KiB header copies and recomputes their checksums. */
    static void setJson(Path image, byte[] json) {
        for (long at : new long[] {0, 16384}) {
            byte[] copy = Images.read(image, at, 16384);
            Arrays.fill(copy, 4096, copy.length, (byte) 0);
            System.arraycopy(json, 0, copy, 4096, Math.min(json.length, copy.length - 4096));
            reseal(copy);
            poke(image, at, copy);
        }
    }

    /** Recomputes the sha256 checksum of one whole LUKS2 header copy. */
    static void reseal(byte[] copy) {
        Arrays.fill(copy, 448, 512, (byte) 0);
        byte[] d = HashAlgorithm.SHA256.newDigest().digest(copy);
        System.arraycopy(d, 0, copy, 448, d.length);
    }

    static void putLong(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).putLong(at, v);
    }
}
