package jvisor.devices.pci;

/**
 * PCI function 00:01.0, the PIIX3 PCI-to-ISA bridge (8086:7000, class 06/01/00) as on QEMU's "pc"
 * machine, present when the machine boots through firmware: SeaBIOS recognises the i440FX/PIIX
 * chipset by it and programs its PIRQ route control registers (0x60-0x63: bit 7 disables a
 * route, bits 3-0 name the ISA IRQ). The registers read back what the firmware wrote; INTx still
 * reaches the IOAPIC's inputs 16-23 as the ACPI _PRT says (see PciInterrupts), which is what an
 * operating system with an IOAPIC uses.
 */
public final class IsaBridge implements PciDevice {
    static final int VENDOR_INTEL = 0x8086;
    static final int DEVICE_PIIX3_ISA = 0x7000;
    static final int CLASS_ISA_BRIDGE = 0x06_01_00;
    static final int PIRQ_ROUTE = 0x60;
    static final int PIRQ_LINES = 4;
    static final int PIRQ_DISABLED = 0x80;
    static final int PIRQ_WRITABLE = 0x8F;
    /** I/O space, memory space and bus master enables, plus special cycles (the PIIX3 sets those). */
    static final int COMMAND_RESET = 0x0007;

    private final ConfigSpace config = new ConfigSpace();

    public IsaBridge() {
        config.put16(0x00, VENDOR_INTEL);
        config.put16(0x02, DEVICE_PIIX3_ISA);
        config.put16(0x04, COMMAND_RESET);
        config.put8(0x09, CLASS_ISA_BRIDGE);
        config.put8(0x0A, CLASS_ISA_BRIDGE >>> 8);
        config.put8(0x0B, CLASS_ISA_BRIDGE >>> 16);
        for (int i = 0; i < PIRQ_LINES; i++) {
            config.put8(PIRQ_ROUTE + i, PIRQ_DISABLED);
            config.allowWrite(PIRQ_ROUTE + i, 1, PIRQ_WRITABLE);
        }
    }

    /** The ISA IRQ that PIRQ {@code line} (0 = PIRQA) is routed to, or -1 while the route is off. */
    public synchronized int pirqRoute(int line) {
        int value = config.u8(PIRQ_ROUTE + line);
        return (value & PIRQ_DISABLED) != 0 ? -1 : value & 0x0F;
    }

    @Override
    public synchronized int configRead(int offset, int size) {
        return offset >= ConfigSpace.LEGACY_SIZE ? 0 : config.read(offset, size);
    }

    @Override
    public synchronized void configWrite(int offset, int size, int value) {
        if (offset < ConfigSpace.LEGACY_SIZE) {
            config.write(offset, size, value);
        }
    }
}
