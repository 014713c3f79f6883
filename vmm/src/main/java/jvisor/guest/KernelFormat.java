package jvisor.guest;

import jvisor.guest.multiboot.MultibootHeader;

/**
 * What kind of kernel image a file is, by its headers. Each bootable kind has its own loader
 * behind {@link GuestLoader}; the rest carry the reason they cannot be booted.
 */
public sealed interface KernelFormat {
    /** A multiboot v1 kernel whose header is at {@code headerOffset}. */
    record Multiboot(int headerOffset) implements KernelFormat { }

    /** A Linux kernel with the x86 boot protocol header ("HdrS" at 0x202). */
    record LinuxBzImage(int protocolVersion) implements KernelFormat { }

    /** Nothing jvisor can boot; {@code problem} completes "FILE: ...". */
    record Unbootable(String problem) implements KernelFormat { }

    /** Offset of the Linux boot protocol's "HdrS" signature. */
    int LINUX_HEADER_SIGNATURE = 0x202;

    /**
     * Linux is recognised first, as QEMU does, because a bzImage may carry bytes that look like
     * a multiboot header.
     */
    static KernelFormat detect(ImageBytes image) {
        if (image.length() == 0) {
            return new Unbootable("is empty");
        }
        if (image.matches(LINUX_HEADER_SIGNATURE, new byte[] {'H', 'd', 'r', 'S'})) {
            return new LinuxBzImage(image.u16(LINUX_HEADER_SIGNATURE + 4));
        }
        var header = MultibootHeader.locate(image);
        if (header.isPresent()) {
            return new Multiboot(header.get());
        }
        var magic = MultibootHeader.firstMagic(image);
        if (magic.isPresent()) {
            return new Unbootable(MultibootHeader.checksumProblem(image, magic.get()));
        }
        if (ElfImage.isElf(image)) {
            return new Unbootable("is an ELF file without a multiboot header in its first 8 KiB: jvisor boots "
                    + "multiboot v1 kernels; add a header with magic 0x1BADB002");
        }
        return new Unbootable("is not a multiboot kernel: no multiboot header (magic 0x1BADB002) in its first "
                + "8 KiB");
    }
}
