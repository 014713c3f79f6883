package jvisor.storage.luks;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/** Recognises a LUKS image by its magic and version and hands it to the LUKS1 or LUKS2 parser. */
final class LuksHeaderReader {
    private LuksHeaderReader() { }

    static LuksHeader read(FileChannel ch, long imageSize) {
        if (imageSize < Luks1Header.LENGTH) {
            throw new LuksException("the image is " + imageSize + " bytes, too small to hold a LUKS header");
        }
        byte[] start = ImageIo.readHeaderBytes(ch, 0, Luks1Header.LENGTH, "the LUKS header");
        boolean primary = Arrays.equals(start, 0, 6, Luks2BinaryHeader.MAGIC_PRIMARY, 0, 6);
        int version = primary ? ByteBuffer.wrap(start).getShort(6) : 0;
        return switch (version) {
            case 1 -> Luks1Header.parse(start, imageSize);
            case 2 -> Luks2Metadata.parse(Luks2BinaryHeader.read(ch, imageSize), imageSize);
            default -> {
                // A LUKS2 image whose primary header was overwritten still has its secondary copy.
                Luks2BinaryHeader secondary = Luks2BinaryHeader.find(ch, imageSize);
                if (secondary != null) {
                    yield Luks2Metadata.parse(secondary, imageSize);
                }
                throw new LuksException(primary ? "the image is LUKS version " + version + "; jvisor opens LUKS1 and LUKS2"
                        : "the image is not a LUKS volume (no LUKS header at its start)");
            }
        };
    }
}
