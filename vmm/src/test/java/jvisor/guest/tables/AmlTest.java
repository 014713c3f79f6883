package jvisor.guest.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The AML encoder's encodings, against the ACPI specification's grammar. */
class AmlTest {
    @Test
    void integersTakeTheirShortestForm() {
        assertArrayEquals(new byte[] {0x00}, Aml.integer(0));
        assertArrayEquals(new byte[] {0x01}, Aml.integer(1));
        assertArrayEquals(new byte[] {0x0A, 0x05}, Aml.integer(5));
        assertArrayEquals(new byte[] {0x0B, 0x34, 0x12}, Aml.integer(0x1234));
        assertArrayEquals(new byte[] {0x0C, 0x78, 0x56, 0x34, 0x12}, Aml.integer(0x12345678));
        assertArrayEquals(new byte[] {0x0E, 8, 7, 6, 5, 4, 3, 2, 1}, Aml.integer(0x0102030405060708L));
    }

    @Test
    void eisaIdsPackLettersAndDigitsAsTheSpecificationShows() {
        assertArrayEquals(new byte[] {0x0C, 0x41, (byte) 0xD0, 0x0A, 0x03}, Aml.eisaId("PNP0A03"), "0x030AD041");
        assertArrayEquals(new byte[] {0x0C, 0x41, (byte) 0xD0, 0x0C, 0x02}, Aml.eisaId("PNP0C02"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0a03"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP0A0"));
    }

    @Test
    void buffersCarryTheirSize() {
        assertArrayEquals(new byte[] {0x11, 0x05, 0x0A, 0x02, 0x79, 0x00}, Aml.buffer(new byte[] {0x79, 0x00}));
    }

    @Test
    void resourceTemplatesUseTheDescriptorLayouts() {
        byte[] t = new Resources().busNumbers(0, 0xFF).ioPorts(0xCF8, 8).toBuffer();
        byte[] body = java.util.Arrays.copyOfRange(t, 4, t.length);
        assertArrayEquals(new byte[] {
            (byte) 0x88, 13, 0, 2, 0x0C, 0, 0, 0, 0, 0, (byte) 0xFF, 0, 0, 0, 0, 1,
            0x47, 1, (byte) 0xF8, 0x0C, (byte) 0xF8, 0x0C, 1, 8,
            0x79, 0}, body, "WordBusNumber 0-255 (length 256), IO(Decode16, 0xCF8, 0xCF8, 1, 8), end tag");
    }

    @Test
    void namesArePaddedAndPathsPrefixed() {
        assertArrayEquals("_S5_".getBytes(), Aml.nameString("_S5"));
        assertArrayEquals(new byte[] {0x5C, '_', 'S', 'B', '_'}, Aml.nameString("\\_SB"));
        assertArrayEquals(new byte[] {0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'},
                Aml.nameString("\\_SB.PCI0"));
        assertArrayEquals(new byte[] {0x2F, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'},
                Aml.nameString("A.B.C"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("lower"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
    }

    @Test
    void packageLengthsCountTheirOwnBytes() {
        assertArrayEquals(new byte[] {0x3F}, Aml.pkgLength(62));
        assertArrayEquals(new byte[] {0x41, 0x04}, Aml.pkgLength(63), "65 = 0x41: 2 bytes, low nibble 1, then 4");
        assertArrayEquals(new byte[] {0x4F, (byte) 0xFF}, Aml.pkgLength(4093), "4095: the largest 2-byte length");
        assertArrayEquals(new byte[] {(byte) 0x81, 0x00, 0x01}, Aml.pkgLength(4094), "4097 = 0x1001 in 3 bytes");
        assertArrayEquals(new byte[] {0x12, 0x07, 0x04, 0x00, 0x00, 0x01, 0x0A, 0x07},
                Aml.pkg(Aml.integer(0), Aml.integer(0), Aml.integer(1), Aml.integer(7)));
    }

    @Property
    void aDecodedPackageLengthIsTheTermsSize(@ForAll @IntRange(min = 0, max = 1 << 24) int content) {
        byte[] enc = Aml.pkgLength(content);
        int follow = (enc[0] & 0xFF) >>> 6;
        assertEquals(follow + 1, enc.length);
        int value = follow == 0 ? enc[0] & 0x3F : enc[0] & 0x0F;
        for (int i = 1; i < enc.length; i++) {
            value |= (enc[i] & 0xFF) << (4 + 8 * (i - 1));
        }
        assertEquals(content + enc.length, value);
        if (follow > 0) {
            assertEquals(0, enc[0] & 0x30, "bits 4-5 of a multi-byte lead are reserved");
        }
    }

    @Test
    void aDeviceIsAnExtendedOpWithItsBody() {
        byte[] device = Aml.device("C000", Aml.name("_UID", Aml.integer(0)));
        assertArrayEquals(new byte[] {0x5B, (byte) 0x82, 11, 'C', '0', '0', '0', 0x08, '_', 'U', 'I', 'D', 0x00},
                device);
    }
}
