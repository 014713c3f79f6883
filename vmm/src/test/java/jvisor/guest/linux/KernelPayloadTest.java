package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KernelPayloadTest {
    private static KernelPayload payload(TestBzImage t) {
        byte[] image = t.build();
        return new KernelPayload(SetupHeader.parse("k.img", image), image);
    }

    @ParameterizedTest
    @EnumSource(value = KernelPayload.Format.class, names = {"GZIP", "XZ", "ZSTD", "LZMA"})
    void decompressesWhatKernelsAreCompressedWith(KernelPayload.Format format) {
        TestBzImage t = new TestBzImage();
        t.format = format;
        KernelPayload p = payload(t);
        assertEquals(format, p.format());
        assertArrayEquals(t.vmlinux(), p.decompress());
    }

    @Test
    void namesAnUnsupportedFormatAndTheWayAround() {
        TestBzImage t = new TestBzImage();
        t.format = KernelPayload.Format.BZIP2;
        String message = assertThrows(BadInputException.class, () -> payload(t).decompress()).getMessage();
        assertTrue(message.contains("bzip2") && message.contains("--linux-entry protocol"), message);
    }

    @Test
    void aSizeTrailerThatDisagreesIsAnError() {
        TestBzImage shortTrailer = new TestBzImage();
        shortTrailer.trailer = shortTrailer.vmlinux().length - 1;
        assertTrue(assertThrows(BadInputException.class, () -> payload(shortTrailer).decompress())
                .getMessage().contains("more than"));
        TestBzImage longTrailer = new TestBzImage();
        longTrailer.trailer = longTrailer.vmlinux().length + 100;
        assertTrue(assertThrows(BadInputException.class, () -> payload(longTrailer).decompress())
                .getMessage().contains("decompresses to"));
    }

    @Test
    void aCorruptStreamIsAnError() {
        TestBzImage t = new TestBzImage();
        byte[] image = t.build();
        int at = 1024 + TestBzImage.PAYLOAD_OFFSET + 40;
        for (int i = 0; i < 16; i++) {
            image[at + i] ^= 0x5A;
        }
        KernelPayload p = new KernelPayload(SetupHeader.parse("k.img", image), image);
        String message = assertThrows(BadInputException.class, p::decompress).getMessage();
        assertTrue(message.startsWith("k.img: "), message);
    }
}
