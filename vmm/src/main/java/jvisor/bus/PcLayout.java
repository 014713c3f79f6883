package jvisor.bus;

/**
 * Where things are on jvisor's PC: the ports, interrupt lines and addresses that the devices,
 * the platform tables (ACPI, MP, e820) and the engines' interrupt controllers must agree on.
 * Chosen to match QEMU's "pc" machine so guests written for QEMU find what they expect.
 */
public final class PcLayout {
    private PcLayout() { }

    // Legacy ports
    public static final int PIC_MASTER = 0x20;
    public static final int PIC_SLAVE = 0xA0;
    public static final int PIC_ELCR = 0x4D0;
    public static final int PIT = 0x40;
    public static final int PORT_B = 0x61;
    public static final int I8042_DATA = 0x60;
    public static final int I8042_COMMAND = 0x64;
    public static final int CMOS = 0x70;
    public static final int POST_CODE = 0x80;
    public static final int SYSTEM_CONTROL_A = 0x92;
    public static final int DEBUG_EXIT = 0xF4;
    public static final int COM1 = 0x3F8;
    public static final int COM2 = 0x2F8;
    public static final int FW_CFG = 0x510;
    public static final int PCI_CONFIG_ADDRESS = 0xCF8;
    public static final int PCI_CONFIG_DATA = 0xCFC;
    /** Reset control register (8-bit access inside the PCI configuration address port's range). */
    public static final int RESET_CONTROL = 0xCF9;

    // ACPI fixed hardware (QEMU's PIIX4 PM base)
    public static final int ACPI_PM_BASE = 0x600;
    public static final int ACPI_PM1A_EVT = ACPI_PM_BASE;
    public static final int ACPI_PM1A_CNT = ACPI_PM_BASE + 4;
    public static final int ACPI_PM_TMR = ACPI_PM_BASE + 8;
    public static final int ACPI_GPE0 = ACPI_PM_BASE + 0x20;
    public static final int ACPI_GPE0_LENGTH = 4;
    /** SLP_TYPa value the DSDT's \_S5 package gives and the PM1a control register acts on. */
    public static final int ACPI_SLP_TYP_S5 = 0;

    // Interrupt lines (GSIs; ISA IRQs 0-15 are GSIs 0-15 except the timer, see below)
    public static final int IRQ_PIT = 0;
    public static final int IRQ_KEYBOARD = 1;
    public static final int IRQ_COM2 = 3;
    public static final int IRQ_COM1 = 4;
    public static final int IRQ_RTC = 8;
    public static final int IRQ_SCI = 9;
    /** The PIT's IRQ 0 arrives at IOAPIC pin 2 (an interrupt source override in the MADT). */
    public static final int GSI_PIT = 2;
    public static final int IOAPIC_PINS = 24;

    // PCI (bus 0 behind the i440FX-style host bridge)
    /** PCI Express enhanced configuration (ECAM): 1 MiB per bus, every bus 0-255, described by MCFG. */
    public static final long PCI_ECAM_BASE = 0xE000_0000L;
    public static final int PCI_ECAM_BUSES = 256;
    public static final long PCI_ECAM_SIZE = (long) PCI_ECAM_BUSES << 20;
    /** Where jvisor, as the firmware, places memory BARs: from the end of low RAM up to ECAM. */
    public static final long PCI_MEMORY_BASE = 0xC000_0000L;
    public static final long PCI_MEMORY_END = PCI_ECAM_BASE;
    /** Where jvisor places I/O BARs. */
    public static final int PCI_IO_BASE = 0xC000;
    public static final int PCI_IO_END = 0x1_0000;
    /** INTx of PCI slots reaches IOAPIC pins 16-23, level-triggered and active-low (see PciInterrupts). */
    public static final int PCI_INTX_FIRST_GSI = 16;
    public static final int PCI_INTX_LINES = 8;
    /** Slots 1 and 2 stay free for the ISA bridge and VGA, as on QEMU's "pc" machine. */
    public static final int PCI_FIRST_DEVICE_SLOT = 3;

    // Memory-mapped platform devices
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long LAPIC_BASE = 0xFEE0_0000L;
    public static final long PAGE = 0x1000;

    // Low memory (where the BIOS would leave its data)
    public static final long BDA = 0x400;
    public static final long EBDA = 0x9FC00;
    public static final long VGA_HOLE = 0xA0000;
    /** The BIOS area where guests search for the RSDP and the MP floating pointer. */
    public static final long BIOS_AREA = 0xE0000;
    public static final long HIGH_MEMORY = 0x100000;

    /** The PM timer's rate, fixed by the ACPI specification. */
    public static final long ACPI_PM_TIMER_HZ = 3_579_545L;
    /** The 8254's input clock. */
    public static final long PIT_HZ = 1_193_182L;

    /**
     * The IOAPIC's ID: one above the highest local APIC ID (processors are 0 .. cpus-1), as
     * SeaBIOS gives it, capped at 15 because the 82093AA's ID register has four bits. Since the
     * P4 the IOAPIC and local APIC IDs no longer share a bus, so a clash above 15 is harmless.
     */
    public static int ioapicId(int cpus) {
        return Math.min(cpus, 15);
    }
}
