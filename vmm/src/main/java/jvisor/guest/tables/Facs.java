package jvisor.guest.tables;

/**
 * The Firmware ACPI Control Structure: the hardware signature, waking vector and global lock.
 * No checksum; it must be 64-byte aligned.
 */
public final class Facs {
    public static final String SIGNATURE = "FACS";
    public static final int LENGTH = 64;
    public static final int ALIGNMENT = 64;
    /** ACPI 2.0's FACS version, which has the 64-bit waking vector. */
    public static final int VERSION = 1;

    private Facs() { }

    public static byte[] build() {
        TableWriter w = new TableWriter();
        w.ascii(SIGNATURE, 4).u32(LENGTH).u32(0).u32(0).u32(0).u32(0).u64(0).u8(VERSION);
        w.zeros(LENGTH - w.size());
        return w.toArray();
    }
}
