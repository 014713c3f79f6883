package jvisor.devices.pci;

/**
 * PCI function 00:00.0, the host bridge, with the identity of QEMU's default i440FX (8086:1237,
 * class 06/00/00). A guest's PCI code looks for it before it trusts configuration mechanism #1:
 * Linux's pci_sanity_check gives up on the bus ("No config space access function found") when no
 * host bridge or VGA function answers on bus 0. It claims no address ranges: no BARs, and the
 * command register only remembers the enable bits a driver sets.
 */
public final class HostBridge implements PciDevice {
    static final int VENDOR_INTEL = 0x8086;
    static final int DEVICE_440FX = 0x1237;
    static final int REVISION = 0x02;
    static final int CLASS_HOST_BRIDGE = 0x06_00_00;
    /** I/O space, memory space and bus master enables. */
    static final int COMMAND_WRITABLE = 0x0007;
    static final int COMMAND_RESET = 0x0006;

    static final int PAM0 = 0x59;
    static final int PAM_COUNT = 7;
    static final int PAM_READ = 0x1;
    static final int PAM_WRITE = 0x2;
    /** The SMRAM control register: kept so firmware reads back what it wrote; jvisor has no SMM. */
    static final int SMRAM = 0x72;
    static final int SMRAM_RESET = 0x02;

    private final byte[] config = new byte[ConfigSpace.SIZE];
    private final byte[] writable = new byte[ConfigSpace.SIZE];
    private final jvisor.engine.FirmwareMemory shadow;

    public HostBridge() {
        this(null);
    }

    /**
     * A host bridge whose PAM registers drive {@code shadow} (the firmware's view of
     * 0xC0000-0xFFFFF), or null where the machine has no firmware and the registers do nothing.
     */
    public HostBridge(jvisor.engine.FirmwareMemory shadow) {
        this.shadow = shadow;
        put16(0x00, VENDOR_INTEL);
        put16(0x02, DEVICE_440FX);
        put16(0x04, COMMAND_RESET);
        config[0x08] = REVISION;
        config[0x09] = (byte) CLASS_HOST_BRIDGE;
        config[0x0A] = (byte) (CLASS_HOST_BRIDGE >>> 8);
        config[0x0B] = (byte) (CLASS_HOST_BRIDGE >>> 16);
        writable[0x04] = (byte) COMMAND_WRITABLE;
        writable[0x0D] = (byte) 0xFF;
        writable[PAM0] = 0x30;
        for (int i = 1; i < PAM_COUNT; i++) {
            writable[PAM0 + i] = 0x33;
        }
        config[SMRAM] = SMRAM_RESET;
        writable[SMRAM] = 0x78;
    }

    private void put16(int offset, int value) {
        config[offset] = (byte) value;
        config[offset + 1] = (byte) (value >>> 8);
    }

    @Override
    public synchronized int configRead(int offset, int size) {
        int value = 0;
        for (int k = size - 1; k >= 0; k--) {
            value = value << 8 | config[offset + k] & 0xFF;
        }
        return value;
    }

    @Override
    public synchronized void configWrite(int offset, int size, int value) {
        for (int k = 0; k < size; k++) {
            int mask = writable[offset + k];
            config[offset + k] = (byte) (config[offset + k] & ~mask | (value >>> 8 * k) & mask);
        }
        if (shadow != null && offset < PAM0 + PAM_COUNT && offset + size > PAM0) {
            applyPam();
        }
    }

    /** PAM0's high nibble covers 0xF0000-0xFFFFF; PAM1-6 have one 16 KiB range per nibble from 0xC0000. */
    private void applyPam() {
        int pam0 = config[PAM0] >>> 4;
        shadow.setShadow(0xF0000, 0x10000, (pam0 & PAM_READ) != 0, (pam0 & PAM_WRITE) != 0);
        for (int i = 1; i < PAM_COUNT; i++) {
            for (int half = 0; half < 2; half++) {
                int bits = config[PAM0 + i] >>> (4 * half);
                long base = 0xC0000 + (long) ((i - 1) * 2 + half) * 0x4000;
                shadow.setShadow(base, 0x4000, (bits & PAM_READ) != 0, (bits & PAM_WRITE) != 0);
            }
        }
    }
}
