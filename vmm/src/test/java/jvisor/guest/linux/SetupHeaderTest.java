package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;

class SetupHeaderTest {
    private static String problem(byte[] image) {
        return assertThrows(BadInputException.class, () -> SetupHeader.parse("k.img", image)).getMessage();
    }

    @Test
    void parsesTheFieldsTheLoaderNeeds() {
        byte[] image = new TestBzImage().build();
        SetupHeader h = SetupHeader.parse("k.img", image);
        assertEquals(1, h.setupSects());
        assertEquals(1024, h.kernelOffset());
        assertEquals(0x020F, h.version());
        assertEquals("2.15", h.versionText());
        assertEquals(TestBzImage.TEXT, h.prefAddress());
        assertEquals(0x40_0000, h.initSize());
        assertEquals(0x20_0000, h.kernelAlignment());
        assertTrue(h.relocatable());
        assertEquals(2047, h.cmdlineSize());
        assertEquals(0x7FFF_FFFFL, h.initrdAddrMax());
        assertEquals(TestBzImage.PAYLOAD_OFFSET, h.payloadOffset());
        assertEquals("6.1.0-test (jvisor@test) #1", h.kernelVersion());
        assertTrue(h.hasAcpiRsdpField());
        // The header runs from 0x1F1 to 0x202 plus the jump's displacement.
        assertArrayEquals(Arrays.copyOfRange(image, 0x1F1, 0x202 + 0x6A), h.raw());
    }

    @Test
    void zeroSetupSectsMeansFour() {
        byte[] image = new TestBzImage().build();
        byte[] padded = new byte[image.length + 3 * 512];
        System.arraycopy(image, 0, padded, 0, 1024);
        System.arraycopy(image, 1024, padded, 5 * 512, image.length - 1024);
        padded[SetupHeader.START] = 0;
        SetupHeader h = SetupHeader.parse("k.img", padded);
        assertEquals(4, h.setupSects());
        assertEquals(5 * 512, h.kernelOffset());
    }

    @Test
    void recognizesBzImagesByFlagAndMagic() {
        assertTrue(LinuxLoader.isBzImage(new TestBzImage().build()));
        assertFalse(LinuxLoader.isBzImage(new byte[4096]));
        assertFalse(LinuxLoader.isBzImage(new byte[10]));
        TestBzImage noMagic = new TestBzImage();
        noMagic.magic = 0x1BADB002;
        assertFalse(LinuxLoader.isBzImage(noMagic.build()));
    }

    @Test
    void rejectsATruncatedFile() {
        assertTrue(problem(new byte[0x100]).contains("truncated"));
        byte[] image = new TestBzImage().build();
        assertTrue(problem(Arrays.copyOf(image, image.length - 64)).contains("truncated"));
    }

    @Test
    void rejectsAWrongBootFlagOrMagic() {
        TestBzImage flag = new TestBzImage();
        flag.bootFlag = 0x1234;
        assertTrue(problem(flag.build()).contains("boot flag"));
        TestBzImage magic = new TestBzImage();
        magic.magic = 0x1234_5678;
        assertTrue(problem(magic.build()).contains("HdrS"));
    }

    @Test
    void rejectsProtocolsOlderThan212() {
        TestBzImage old = new TestBzImage();
        old.version = 0x020B;
        String message = problem(old.build());
        assertTrue(message.contains("2.11") && message.contains("2.12"), message);
    }

    @Test
    void rejectsKernelsWithoutA64BitEntry() {
        TestBzImage k32 = new TestBzImage();
        k32.xloadflags = 0;
        assertTrue(problem(k32.build()).contains("XLF_KERNEL_64"));
    }

    @Test
    void rejectsAPayloadOutsideTheFile() {
        byte[] image = new TestBzImage().build();
        image[SetupHeader.PAYLOAD_LENGTH + 2] = 0x7F;
        assertTrue(problem(image).contains("payload"));
    }

    @Test
    void rejectsAnInitSizeSmallerThanTheKernel() {
        TestBzImage small = new TestBzImage();
        small.initSize = 16;
        assertTrue(problem(small.build()).contains("init_size"));
    }

    @Test
    void theAcpiRsdpFieldCameWithProtocol214() {
        TestBzImage old = new TestBzImage();
        old.version = 0x020D;
        assertFalse(SetupHeader.parse("k", old.build()).hasAcpiRsdpField());
        old.version = 0x020E;
        assertTrue(SetupHeader.parse("k", old.build()).hasAcpiRsdpField());
    }
}
