package jvisor.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Terminal bytes to set-1 scan codes: make, then break (make | 0x80). */
class ScanCodesTest {
    private static int[] of(String typed) {
        byte[] b = typed.getBytes(StandardCharsets.ISO_8859_1);
        return ScanCodes.of(b, b.length);
    }

    @Test
    void lettersDigitsAndEnter() {
        assertArrayEquals(new int[] {0x1E, 0x9E, 0x02, 0x82, 0x1C, 0x9C}, of("a1\r"));
    }

    @Test
    void shiftedCharactersArePressedWithShift() {
        assertArrayEquals(new int[] {0x2A, 0x1E, 0x9E, 0xAA}, of("A"));
    }

    @Test
    void controlCharactersArePressedWithControl() {
        assertArrayEquals(new int[] {0x1D, 0x2E, 0xAE, 0x9D}, of("\u0003"));
    }

    @Test
    void arrowKeysAreExtended() {
        assertArrayEquals(new int[] {0xE0, 0x48, 0xE0, 0xC8}, of("\u001b[A"));
    }
}
