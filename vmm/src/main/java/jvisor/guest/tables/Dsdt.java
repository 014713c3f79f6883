package jvisor.guest.tables;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;

/**
 * The Differentiated System Description Table, in AML generated here: one processor device per
 * vCPU under \_SB (Linux's ACPI processor driver binds them to the MADT entries by _UID) and the
 * \_S5 package that tells the OS what to write to PM1a_CNT to power off.
 */
public final class Dsdt {
    public static final String SIGNATURE = "DSDT";
    /** Revision 2: integers in this table's AML are 64 bits wide. */
    public static final int REVISION = 2;
    /** The ACPI processor device's hardware ID. */
    public static final String PROCESSOR_HID = "ACPI0007";

    private Dsdt() { }

    public static byte[] build(int cpus) {
        List<byte[]> processors = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            processors.add(Aml.device(processorName(i),
                    Aml.name("_HID", Aml.string(PROCESSOR_HID)),
                    Aml.name("_UID", Aml.integer(i))));
        }
        byte[] sb = Aml.scope("\\_SB", processors.toArray(byte[][]::new));
        byte[] s5 = Aml.name("_S5", Aml.pkg(
                Aml.integer(PcLayout.ACPI_SLP_TYP_S5), Aml.integer(PcLayout.ACPI_SLP_TYP_S5),
                Aml.integer(0), Aml.integer(0)));
        return AcpiTable.build(SIGNATURE, REVISION, w -> w.bytes(sb).bytes(s5));
    }

    /** C000, C001, ...: the name of processor {@code n}'s device. */
    public static String processorName(int n) {
        return String.format("C%03X", n);
    }
}
