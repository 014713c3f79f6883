package jvisor.guest.tables;

import java.util.function.Consumer;

/**
 * The ACPI system description table header shared by every table but the RSDP and FACS:
 * signature, length, revision, checksum, OEM and creator identification.
 */
final class AcpiTable {
    static final String OEM_ID = "JVISOR";
    static final String OEM_TABLE_ID = "JVISORPC";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "JVSR";
    static final int CREATOR_REVISION = 1;
    static final int HEADER_SIZE = 36;
    static final int LENGTH_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 9;

    private AcpiTable() { }

    /** A complete table: the header, then what {@code body} writes, with length and checksum filled in. */
    static byte[] build(String signature, int revision, Consumer<TableWriter> body) {
        TableWriter w = new TableWriter();
        w.ascii(signature, 4).u32(0).u8(revision).u8(0).ascii(OEM_ID, 6).ascii(OEM_TABLE_ID, 8)
                .u32(OEM_REVISION).ascii(CREATOR_ID, 4).u32(CREATOR_REVISION);
        body.accept(w);
        w.patch32(LENGTH_OFFSET, w.size());
        byte[] table = w.toArray();
        table[CHECKSUM_OFFSET] = (byte) TableWriter.checksum(table, 0, table.length);
        return table;
    }
}
