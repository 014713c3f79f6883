package jvisor.guest.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jvisor.boot.BadInputException;

/**
 * The setup header of a bzImage (Documentation/arch/x86/boot.rst), parsed and checked against the
 * file it came from. Offsets are those of the image file, which are also those of the zero page.
 *
 * @param raw the header bytes from {@link #START} to its end, copied into the zero page as they are
 */
public record SetupHeader(
        String source,
        int setupSects,
        long syssize,
        int version,
        int loadflags,
        long initrdAddrMax,
        long kernelAlignment,
        boolean relocatable,
        int xloadflags,
        long cmdlineSize,
        long payloadOffset,
        long payloadLength,
        long prefAddress,
        long initSize,
        String kernelVersion,
        byte[] raw) {

    public static final int START = 0x1F1;
    static final int BOOT_FLAG = 0x1FE;
    static final int JUMP = 0x200;
    static final int MAGIC = 0x202;
    static final int VERSION = 0x206;
    static final int KERNEL_VERSION = 0x20E;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21C;
    static final int HEAP_END_PTR = 0x224;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22C;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PAYLOAD_OFFSET = 0x248;
    static final int PAYLOAD_LENGTH = 0x24C;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** The last field this loader reads ends here; protocol 2.12 headers all reach it. */
    static final int PARSED_END = 0x264;

    public static final int BOOT_FLAG_VALUE = 0xAA55;
    public static final int HDRS = 0x5372_6448;
    public static final int MIN_VERSION = 0x020C;
    /** The protocol version that added {@code acpi_rsdp_addr} to the zero page. */
    public static final int VERSION_ACPI_RSDP = 0x020E;
    public static final int XLF_KERNEL_64 = 1;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
    public static final int LOADED_HIGH = 1;
    public static final int CAN_USE_HEAP = 1 << 7;

    /** Whether {@code image} carries a bzImage setup header at all (boot flag and "HdrS"). */
    public static boolean present(byte[] image) {
        return image.length >= MAGIC + 4 && u16(image, BOOT_FLAG) == BOOT_FLAG_VALUE && u32(image, MAGIC) == HDRS;
    }

    /** Parses and checks the header of {@code image}; every problem is a {@link BadInputException} naming the file. */
    public static SetupHeader parse(String source, byte[] image) {
        if (image.length < PARSED_END) {
            throw bad(source, "the file is truncated: " + image.length + " bytes, too short for a bzImage setup header");
        }
        if (u16(image, BOOT_FLAG) != BOOT_FLAG_VALUE) {
            throw bad(source, String.format("has no boot flag (0x%04x at 0x1fe, expected 0xaa55): not a Linux bzImage",
                    u16(image, BOOT_FLAG)));
        }
        if (u32(image, MAGIC) != HDRS) {
            throw bad(source, "has no \"HdrS\" magic at 0x202: not a Linux bzImage (or one older than protocol 2.00)");
        }
        int version = u16(image, VERSION);
        if (version < MIN_VERSION) {
            throw bad(source, "speaks boot protocol " + versionText(version)
                    + ", older than 2.12, which jvisor's 64-bit entry needs: use a kernel from 3.8 or later");
        }
        int xloadflags = u16(image, XLOADFLAGS);
        if ((xloadflags & XLF_KERNEL_64) == 0) {
            throw bad(source, "has no 64-bit entry point (XLF_KERNEL_64 clear): jvisor boots 64-bit kernels only");
        }
        int headerEnd = JUMP + 2 + (image[JUMP + 1] & 0xFF);
        if (headerEnd < PARSED_END || headerEnd > image.length) {
            throw bad(source, String.format("has a setup header ending at 0x%x, outside 0x%x..0x%x", headerEnd,
                    PARSED_END, image.length));
        }
        int setupSects = image[START] & 0xFF;
        SetupHeader h = new SetupHeader(source, setupSects == 0 ? 4 : setupSects, u32(image, 0x1F4) & 0xFFFF_FFFFL,
                version, image[LOADFLAGS] & 0xFF, u32(image, INITRD_ADDR_MAX) & 0xFFFF_FFFFL,
                u32(image, KERNEL_ALIGNMENT) & 0xFFFF_FFFFL, image[RELOCATABLE_KERNEL] != 0, xloadflags,
                u32(image, CMDLINE_SIZE) & 0xFFFF_FFFFL, u32(image, PAYLOAD_OFFSET) & 0xFFFF_FFFFL,
                u32(image, PAYLOAD_LENGTH) & 0xFFFF_FFFFL, u64(image, PREF_ADDRESS), u32(image, INIT_SIZE) & 0xFFFF_FFFFL,
                kernelVersion(image), Arrays.copyOfRange(image, START, headerEnd));
        h.checkAgainst(image);
        return h;
    }

    private void checkAgainst(byte[] image) {
        long kernelStart = kernelOffset();
        if (kernelStart >= image.length) {
            throw bad(source, "the file is truncated: setup_sects says the kernel starts at byte " + kernelStart
                    + " but the file has " + image.length);
        }
        if (kernelStart + syssize * 16 > image.length) {
            throw bad(source, "the file is truncated: syssize says the kernel has " + syssize * 16 + " bytes after the "
                    + kernelStart + "-byte setup, but the file has " + (image.length - kernelStart));
        }
        if (kernelAlignment == 0 || Long.bitCount(kernelAlignment) != 1) {
            throw bad(source, "has kernel_alignment 0x" + Long.toHexString(kernelAlignment) + ", not a power of two");
        }
        if (payloadLength < 4 || kernelStart + payloadOffset + payloadLength > image.length) {
            throw bad(source, "has a compressed payload (offset " + payloadOffset + ", " + payloadLength
                    + " bytes) outside the file's " + (image.length - kernelStart) + "-byte kernel");
        }
        if (initSize < protectedModeSize(image)) {
            throw bad(source, "has init_size " + initSize + " smaller than its own protected-mode kernel");
        }
        if (cmdlineSize == 0) {
            throw bad(source, "has cmdline_size 0: it takes no command line");
        }
    }

    /** Where the protected-mode kernel starts in the file: after the boot sector and the setup sectors. */
    public long kernelOffset() {
        return (setupSects + 1L) * 512;
    }

    /** The protected-mode kernel's size in the file. */
    public long protectedModeSize(byte[] image) {
        return image.length - kernelOffset();
    }

    public boolean hasAcpiRsdpField() {
        return version >= VERSION_ACPI_RSDP;
    }

    public String versionText() {
        return versionText(version);
    }

    static String versionText(int version) {
        return (version >> 8) + "." + String.format("%02d", version & 0xFF);
    }

    /** The header bytes to place at 0x1F1 of the zero page. */
    @Override
    public byte[] raw() {
        return raw.clone();
    }

    private static String kernelVersion(byte[] image) {
        int offset = u16(image, KERNEL_VERSION);
        if (offset == 0) {
            return "";
        }
        int start = offset + 0x200;
        StringBuilder b = new StringBuilder();
        for (int i = start; i >= 0 && i < image.length && i < start + 256 && image[i] != 0; i++) {
            b.append((char) (image[i] & 0x7F));
        }
        return b.toString();
    }

    static BadInputException bad(String source, String problem) {
        return new BadInputException(source + ": " + problem);
    }

    static int u16(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(at) & 0xFFFF;
    }

    static int u32(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    static long u64(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }
}
