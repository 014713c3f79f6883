package jvisor.guest.multiboot;

import java.util.Optional;
import jvisor.guest.ImageBytes;

/**
 * The multiboot v1 header: a 32-bit aligned magic, flags and checksum in the first 8 KiB of the
 * image, and with flag bit 16 the a.out kludge's address fields.
 *
 * @param offset where the header starts in the file
 */
public record MultibootHeader(int offset, int flags, long headerAddr, long loadAddr, long loadEndAddr,
                              long bssEndAddr, long entryAddr) {
    public static final int MAGIC = 0x1BADB002;
    /** Where the header must lie, by the specification. */
    public static final int SEARCH_LIMIT = 8192;

    /** Bit 0: align modules on 4 KiB pages. jvisor always does. */
    public static final int PAGE_ALIGN = 1;
    /** Bit 1: pass mem_lower/mem_upper and the memory map. jvisor always does. */
    public static final int MEMORY_INFO = 1 << 1;
    /** Bit 2: set a video mode. Ignored, as QEMU does: the info's flags never claim video information. */
    public static final int VIDEO_MODE = 1 << 2;
    /** Bit 16: the load addresses come from the header (the "a.out kludge"), not from the ELF headers. */
    public static final int ADDRESS_FIELDS = 1 << 16;
    /** Bits 0-15 are requirements: a boot loader that does not know one must refuse the image. */
    public static final int REQUIRED_MASK = 0xFFFF;
    public static final int KNOWN_REQUIRED = PAGE_ALIGN | MEMORY_INFO | VIDEO_MODE;

    private static final int BASIC_SIZE = 12;
    private static final int ADDRESS_SIZE = 32;

    /** The offset of the first 32-bit aligned magic with a valid checksum in the first 8 KiB, if any. */
    public static Optional<Integer> locate(ImageBytes image) {
        for (int i = 0; i + BASIC_SIZE <= Math.min(SEARCH_LIMIT, image.length()); i += 4) {
            if (image.u32(i) == Integer.toUnsignedLong(MAGIC) && checksumValid(image, i)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** The first 32-bit aligned magic in the first 8 KiB whatever its checksum, if any. */
    public static Optional<Integer> firstMagic(ImageBytes image) {
        for (int i = 0; i + 4 <= Math.min(SEARCH_LIMIT, image.length()); i += 4) {
            if (image.u32(i) == Integer.toUnsignedLong(MAGIC)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private static boolean checksumValid(ImageBytes image, int at) {
        return ((MAGIC + image.u32(at + 4) + image.u32(at + 8)) & 0xFFFF_FFFFL) == 0;
    }

    /** Why the magic at {@code at} was not accepted, for the error message. */
    public static String checksumProblem(ImageBytes image, int at) {
        if (!image.contains(at, BASIC_SIZE)) {
            return String.format("has a multiboot magic at offset %#x but the file ends inside its header", at);
        }
        long flags = image.u32(at + 4);
        long expected = -(MAGIC + flags) & 0xFFFF_FFFFL;
        return String.format("has a multiboot magic at offset %#x with a bad checksum %#010x (flags %#010x need "
                + "checksum %#010x: magic + flags + checksum must be 0 mod 2^32)", at, image.u32(at + 8), flags,
                expected);
    }

    /** Reads the header at {@code at} (found by {@link #locate}) and checks its flags. */
    public static MultibootHeader parse(ImageBytes image, int at) {
        int flags = (int) image.u32(at + 4);
        int unknown = flags & REQUIRED_MASK & ~KNOWN_REQUIRED;
        if (unknown != 0) {
            throw image.bad(String.format("its multiboot header requires features jvisor does not know (flag bits "
                    + "%#06x); only bits 0-2 and 16 are defined by multiboot v1", unknown));
        }
        if ((flags & ADDRESS_FIELDS) == 0) {
            return new MultibootHeader(at, flags, 0, 0, 0, 0, 0);
        }
        if (at + ADDRESS_SIZE > SEARCH_LIMIT) {
            throw image.bad(String.format("its multiboot header at offset %#x runs past the first 8 KiB with its "
                    + "address fields", at));
        }
        if (!image.contains(at, ADDRESS_SIZE)) {
            throw image.bad("is truncated inside its multiboot header's address fields");
        }
        return new MultibootHeader(at, flags, image.u32(at + 12), image.u32(at + 16), image.u32(at + 20),
                image.u32(at + 24), image.u32(at + 28));
    }

    public boolean hasAddressFields() {
        return (flags & ADDRESS_FIELDS) != 0;
    }
}
