package jvisor.guest.tables;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.devices.pci.PciInterrupts;
import jvisor.engine.GuestMemory;

/**
 * The Differentiated System Description Table, in AML generated here: one processor device per
 * vCPU under \_SB (Linux's ACPI processor driver binds them to the MADT entries by _UID), the PCI
 * root bridge \_SB.PCI0 with the windows it forwards (so the OS enumerates bus 0 through ACPI), and
 * the \_S5 package that tells the OS what to write to PM1a_CNT to power off. PCI0 carries the
 * interrupt routing of its slots ({@code _PRT}); a motherboard-resources device reserves the ECAM
 * window, as Linux wants before it trusts MCFG.
 */
public final class Dsdt {
    public static final String SIGNATURE = "DSDT";
    /** Revision 2: integers in this table's AML are 64 bits wide. */
    public static final int REVISION = 2;
    /** The ACPI processor device's hardware ID. */
    public static final String PROCESSOR_HID = "ACPI0007";
    /** A PCI root bridge's hardware ID. */
    public static final String PCI_ROOT_HID = "PNP0A03";
    /**
     * The PCI memory window below 4 GiB: from where RAM below 4 GiB ends at the most up to the
     * IOAPIC, as QEMU's i440FX forwards it.
     */
    static final long PCI_MEMORY_FIRST = GuestMemory.LOW_RAM_LIMIT;
    static final long PCI_MEMORY_LAST = PcLayout.IOAPIC_BASE - 1;
    /** The motherboard-resources device's ID: ranges nobody may claim (ECAM). */
    public static final String MOTHERBOARD_HID = "PNP0C02";
    /** The legacy VGA window's last byte (it starts at {@link PcLayout#VGA_HOLE}). */
    static final long VGA_WINDOW_LAST = 0xB_FFFFL;

    static final String KEYBOARD_HID = "PNP0303";

    private Dsdt() { }

    public static byte[] build(int cpus) {
        return build(cpus, false);
    }

    /**
     * The DSDT; with {@code ps2Keyboard} it lists the i8042's keyboard (PNP0303), which SeaBIOS
     * looks for before it initialises a PS/2 keyboard (only firmware boots have one plugged in).
     */
    public static byte[] build(int cpus, boolean ps2Keyboard) {
        List<byte[]> processors = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            processors.add(Aml.device(processorName(i),
                    Aml.name("_HID", Aml.string(PROCESSOR_HID)),
                    Aml.name("_UID", Aml.integer(i))));
        }
        processors.add(pciRoot());
        processors.add(Aml.device("MRES",
                Aml.name("_HID", Aml.eisaId(MOTHERBOARD_HID)),
                Aml.name("_UID", Aml.integer(1)),
                Aml.name("_CRS", new Resources().fixedMemory(PcLayout.PCI_ECAM_BASE, PcLayout.PCI_ECAM_SIZE).toBuffer())));
        if (ps2Keyboard) {
            processors.add(Aml.device("KBD_",
                    Aml.name("_HID", Aml.eisaId(KEYBOARD_HID)),
                    Aml.name("_CRS", new Resources().ioPorts(PcLayout.I8042_DATA, 1).ioPorts(PcLayout.I8042_COMMAND, 1)
                            .irq(PcLayout.IRQ_KEYBOARD).toBuffer())));
        }
        byte[] sb = Aml.scope("\\_SB", processors.toArray(byte[][]::new));
        byte[] s5 = Aml.name("_S5", Aml.pkg(
                Aml.integer(PcLayout.ACPI_SLP_TYP_S5), Aml.integer(PcLayout.ACPI_SLP_TYP_S5),
                Aml.integer(0), Aml.integer(0)));
        return AcpiTable.build(SIGNATURE, REVISION, w -> w.bytes(sb).bytes(s5));
    }

    /**
     * PCI0: bus 0 behind configuration mechanism #1, forwarding every port except the
     * configuration ports it decodes itself, the legacy VGA window and the memory hole below 4 GiB
     * except the ECAM window.
     */
    private static byte[] pciRoot() {
        byte[] crs = new Resources()
                .busNumbers(0x00, 0xFF)
                .ioPorts(PcLayout.PCI_CONFIG_ADDRESS, 8)
                .ioWindow(0x0000, PcLayout.PCI_CONFIG_ADDRESS - 1)
                .ioWindow(PcLayout.PCI_CONFIG_ADDRESS + 8, 0xFFFF)
                .memoryWindow(PcLayout.VGA_HOLE, VGA_WINDOW_LAST, true)
                .memoryWindow(PCI_MEMORY_FIRST, PcLayout.PCI_ECAM_BASE - 1, false)
                .memoryWindow(PcLayout.PCI_ECAM_BASE + PcLayout.PCI_ECAM_SIZE, PCI_MEMORY_LAST, false)
                .toBuffer();
        return Aml.device("PCI0",
                Aml.name("_HID", Aml.eisaId(PCI_ROOT_HID)),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_BBN", Aml.integer(0)),
                Aml.name("_CRS", crs),
                Aml.name("_PRT", interruptRouting()));
    }

    /**
     * {@code _PRT}: for each slot and pin, the IOAPIC input it drives (a GSI, no link device), by
     * the rule {@link PciInterrupts#gsi} implements.
     */
    private static byte[] interruptRouting() {
        List<byte[]> routes = new ArrayList<>();
        for (int slot = 1; slot < 32; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                routes.add(Aml.pkg(Aml.integer((long) slot << 16 | 0xFFFF), Aml.integer(pin - 1),
                        Aml.integer(0), Aml.integer(PciInterrupts.gsi(slot, pin))));
            }
        }
        return Aml.pkg(routes.toArray(byte[][]::new));
    }

    /** C000, C001, ...: the name of processor {@code n}'s device. */
    public static String processorName(int n) {
        return String.format("C%03X", n);
    }
}
