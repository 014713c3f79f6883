package jvisor.guest.tables;

import java.util.List;

/**
 * The ACPI root tables: the RSDP the OS finds by scanning, and the RSDT (32-bit pointers) and
 * XSDT (64-bit pointers) it leads to.
 */
public final class RootTables {
    public static final String RSDP_SIGNATURE = "RSD PTR ";
    public static final int RSDP_REVISION = 2;
    public static final int RSDP_LENGTH = 36;
    /** The ACPI 1.0 part of the RSDP that the first checksum covers. */
    public static final int RSDP_V1_LENGTH = 20;
    public static final int RSDP_CHECKSUM = 8;
    public static final int RSDP_EXTENDED_CHECKSUM = 32;

    private RootTables() { }

    public static byte[] rsdt(List<Long> tables) {
        return AcpiTable.build("RSDT", 1, w -> tables.forEach(a -> w.u32(a)));
    }

    public static byte[] xsdt(List<Long> tables) {
        return AcpiTable.build("XSDT", 1, w -> tables.forEach(a -> w.u64(a)));
    }

    public static byte[] rsdp(long rsdt, long xsdt) {
        TableWriter w = new TableWriter();
        w.ascii(RSDP_SIGNATURE, 8).u8(0).ascii(AcpiTable.OEM_ID, 6).u8(RSDP_REVISION).u32(rsdt)
                .u32(RSDP_LENGTH).u64(xsdt).u8(0).zeros(3);
        byte[] b = w.toArray();
        b[RSDP_CHECKSUM] = (byte) TableWriter.checksum(b, 0, RSDP_V1_LENGTH);
        b[RSDP_EXTENDED_CHECKSUM] = (byte) TableWriter.checksum(b, 0, RSDP_LENGTH);
        return b;
    }
}
