package jvisor.guest.tables;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * jvisor's ACPI tables for a firmware boot, as QEMU hands them to SeaBIOS: the tables in one
 * fw_cfg file ({@value #TABLES}), the RSDP in another ({@value #RSDP}), and a script
 * ({@value #LOADER}) telling the firmware where to put them (RSDP in the F segment, the rest in
 * high memory), which pointers to relocate and which checksums to fix. The firmware then owns
 * the memory, so the guest sees the same tables as after a direct kernel boot, reserved in the
 * firmware's own e820 map. SeaBIOS's built-in tables would describe a PIIX4 power-management
 * function that jvisor does not have.
 */
public record TableLoader(byte[] tables, byte[] rsdp, byte[] loader) {
    public static final String TABLES = "etc/acpi/tables";
    public static final String RSDP = "etc/acpi/rsdp";
    public static final String LOADER = "etc/table-loader";

    static final int COMMAND_SIZE = 128;
    static final int FILE_NAME_SIZE = 56;
    static final int ALLOCATE = 1;
    static final int ADD_POINTER = 2;
    static final int ADD_CHECKSUM = 3;
    static final int ZONE_HIGH = 1;
    static final int ZONE_FSEG = 2;

    /** The files for a machine with {@code cpus} processors. */
    public static TableLoader build(int cpus) {
        Blob blob = new Blob();
        Script script = new Script();
        script.allocate(RSDP, 16, ZONE_FSEG);
        script.allocate(TABLES, 64, ZONE_HIGH);
        int facs = blob.add(Facs.build(), Facs.ALIGNMENT);
        int dsdt = blob.add(Dsdt.build(cpus, true), 16);
        int fadt = blob.add(Fadt.build(facs, dsdt), 16);
        script.pointer(TABLES, fadt + Fadt.FIRMWARE_CTRL, 4);
        script.pointer(TABLES, fadt + Fadt.DSDT, 4);
        script.pointer(TABLES, fadt + Fadt.X_FIRMWARE_CTRL, 8);
        script.pointer(TABLES, fadt + Fadt.X_DSDT, 8);
        int madt = blob.add(Madt.build(cpus), 16);
        int mcfg = blob.add(Mcfg.build(), 16);
        List<Long> described = List.of((long) fadt, (long) madt, (long) mcfg);
        int rsdt = blob.add(RootTables.rsdt(described), 16);
        int xsdt = blob.add(RootTables.xsdt(described), 16);
        for (int i = 0; i < described.size(); i++) {
            script.pointer(TABLES, rsdt + AcpiTable.HEADER_SIZE + 4 * i, 4);
            script.pointer(TABLES, xsdt + AcpiTable.HEADER_SIZE + 8 * i, 8);
        }
        for (int[] t : blob.tables) {
            if (t[0] != facs) {
                script.checksum(TABLES, t[0] + AcpiTable.CHECKSUM_OFFSET, t[0], t[1]);
            }
        }
        byte[] rsdp = RootTables.rsdp(rsdt, xsdt);
        script.pointerInto(RSDP, TABLES, 16, 4);
        script.pointerInto(RSDP, TABLES, 24, 8);
        script.checksum(RSDP, RootTables.RSDP_CHECKSUM, 0, RootTables.RSDP_V1_LENGTH);
        script.checksum(RSDP, RootTables.RSDP_EXTENDED_CHECKSUM, 0, RootTables.RSDP_LENGTH);
        return new TableLoader(blob.w.toArray(), rsdp, script.w.toArray());
    }

    /** The tables' file: every table at an offset that is its address relative to where the firmware puts the file. */
    private static final class Blob {
        final TableWriter w = new TableWriter();
        final List<int[]> tables = new ArrayList<>();

        int add(byte[] table, int align) {
            w.zeros((align - w.size() % align) % align);
            int at = w.size();
            w.bytes(table);
            tables.add(new int[] {at, table.length});
            return at;
        }
    }

    /** QEMU's BIOS linker/loader commands, 128 bytes each. */
    private static final class Script {
        final TableWriter w = new TableWriter();

        void allocate(String file, int align, int zone) {
            int start = w.size();
            w.u32(ALLOCATE);
            name(file);
            w.u32(align).u8(zone);
            pad(start);
        }

        void pointer(String file, int offset, int size) {
            pointerInto(file, file, offset, size);
        }

        /** The {@code size}-byte value at {@code offset} in {@code dest} gets {@code source}'s address added. */
        void pointerInto(String dest, String source, int offset, int size) {
            int start = w.size();
            w.u32(ADD_POINTER);
            name(dest);
            name(source);
            w.u32(offset).u8(size);
            pad(start);
        }

        void checksum(String file, int offset, int from, int length) {
            int start = w.size();
            w.u32(ADD_CHECKSUM);
            name(file);
            w.u32(offset).u32(from).u32(length);
            pad(start);
        }

        private void name(String file) {
            byte[] n = file.getBytes(StandardCharsets.US_ASCII);
            w.bytes(n).zeros(FILE_NAME_SIZE - n.length);
        }

        private void pad(int start) {
            w.zeros(COMMAND_SIZE - (w.size() - start));
        }
    }
}
