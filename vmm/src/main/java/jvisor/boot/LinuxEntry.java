package jvisor.boot;

import java.util.Locale;

/** How jvisor enters a Linux bzImage: at the kernel proper after decompressing it on the host, or per the boot protocol. */
public enum LinuxEntry {
    /** Decompress the payload on the host, load the vmlinux ELF, enter its startup_64: the guest skips its own decompressor. */
    DECOMPRESSED,
    /** Load the protected-mode kernel and enter the bzImage's 64-bit entry; the guest decompresses itself. */
    PROTOCOL;

    public static final LinuxEntry DEFAULT = DECOMPRESSED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LinuxEntry parse(String text) {
        for (LinuxEntry e : values()) {
            if (e.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new BadInputException("--linux-entry '" + text + "' is not known: use decompressed or protocol");
    }
}
