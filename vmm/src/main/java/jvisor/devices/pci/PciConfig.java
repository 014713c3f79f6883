package jvisor.devices.pci;

/** Offsets and bits of a type-0 (endpoint) configuration header and the capabilities jvisor uses. */
public final class PciConfig {
    private PciConfig() { }

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION = 0x08;
    public static final int CLASS_CODE = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int BAR_COUNT = 6;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int EXPANSION_ROM = 0x30;
    public static final int CAPABILITIES = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;
    /** Where the capability list may start. */
    public static final int CAPABILITIES_START = 0x40;

    public static final int COMMAND_IO = 1;
    public static final int COMMAND_MEMORY = 1 << 1;
    public static final int COMMAND_BUS_MASTER = 1 << 2;
    public static final int COMMAND_PARITY = 1 << 6;
    public static final int COMMAND_SERR = 1 << 8;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;

    public static final int STATUS_INTERRUPT = 1 << 3;
    public static final int STATUS_CAPABILITIES = 1 << 4;
    /** Parity, SERR, master/target abort bits: the guest clears them by writing ones. */
    public static final int STATUS_ERRORS = 0xF900;

    public static final int BAR_IO = 1;
    public static final int BAR_MEMORY_64 = 0x4;
    public static final int BAR_PREFETCHABLE = 0x8;

    public static final int CAP_MSI = 0x05;
    public static final int CAP_MSIX = 0x11;
    public static final int CAP_PCIE = 0x10;
    public static final int CAP_VENDOR = 0x09;

    /** MSI message control bits: enable, and 64-bit addresses (read-only). */
    public static final int MSI_ENABLE = 1;
    public static final int MSI_64BIT = 1 << 7;

    /** MSI-X message control bits. */
    public static final int MSIX_ENABLE = 1 << 15;
    public static final int MSIX_FUNCTION_MASK = 1 << 14;

    /** The vendor ID an empty slot reads as. */
    public static final int NO_DEVICE = 0xFFFF;
}
