package jvisor.devices.virtio;

import jvisor.devices.pci.ConfigListener;
import jvisor.devices.pci.PciConfig;
import jvisor.devices.pci.PciFunction;

/**
 * The vendor-specific capabilities that lead a driver to the virtio structures (virtio 1.2,
 * 4.1.4): common configuration, notifications, ISR status and device configuration in BAR 4,
 * and the PCI configuration access window, through which a driver (a boot loader, say) can reach
 * them without mapping the BAR.
 */
final class VirtioCapabilities {
    static final int COMMON_CFG = 1;
    static final int NOTIFY_CFG = 2;
    static final int ISR_CFG = 3;
    static final int DEVICE_CFG = 4;
    static final int PCI_CFG = 5;

    /** A read or write of {@code size} bytes at {@code offset} of BAR {@code bar}. */
    @FunctionalInterface
    interface BarAccess {
        long access(int bar, long offset, int size, boolean write, long value);
    }

    private VirtioCapabilities() { }

    static void add(PciFunction.Builder b, BarAccess access, int deviceConfigSize) {
        structure(b, COMMON_CFG, VirtioPci.COMMON, VirtioPci.COMMON_LENGTH, null);
        structure(b, NOTIFY_CFG, VirtioPci.NOTIFY, VirtioPci.REGION_SIZE - VirtioPci.NOTIFY,
                VirtioPci.NOTIFY_MULTIPLIER);
        structure(b, ISR_CFG, VirtioPci.ISR, 1, null);
        if (deviceConfigSize > 0) {
            structure(b, DEVICE_CFG, VirtioPci.DEVICE, deviceConfigSize, null);
        }
        byte[] body = body(PCI_CFG, 0, 0, 0, 20);
        byte[] writable = new byte[body.length];
        writable[2] = (byte) 0xFF;                                  // bar
        java.util.Arrays.fill(writable, 6, 18, (byte) 0xFF);        // offset, length, pci_cfg_data
        int at = b.capability(PciConfig.CAP_VENDOR, body, writable);
        b.listen(at + 16, 4, new Window(at, access));
    }

    private static void structure(PciFunction.Builder b, int type, int offset, int length, Integer multiplier) {
        byte[] body = body(type, VirtioPci.REGION_BAR, offset, length, multiplier == null ? 16 : 20);
        if (multiplier != null) {
            put32(body, 14, multiplier);
        }
        b.capability(PciConfig.CAP_VENDOR, body, new byte[0]);
    }

    /** cap_len, cfg_type, bar, id, padding, offset, length (and room for a trailing field). */
    private static byte[] body(int type, int bar, int offset, int length, int capLength) {
        byte[] body = new byte[capLength - 2];
        body[0] = (byte) capLength;
        body[1] = (byte) type;
        body[2] = (byte) bar;
        put32(body, 6, offset);
        put32(body, 10, length);
        return body;
    }

    private static void put32(byte[] b, int at, int v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> 8 * k);
        }
    }

    /** pci_cfg_data: each access performs the BAR access its bar, offset and length fields describe. */
    private record Window(int capability, BarAccess access) implements ConfigListener {
        @Override
        public void beforeRead(PciFunction f, int offset, int size) {
            int length = f.stored(capability + 12, 4);
            if (valid(f, length)) {
                long value = access.access(f.stored(capability + 4, 1), f.stored(capability + 8, 4) & 0xFFFF_FFFFL,
                        length, false, 0);
                f.store(capability + 16, 4, (int) value);
            }
        }

        @Override
        public void written(PciFunction f, int offset, int size) {
            int length = f.stored(capability + 12, 4);
            if (valid(f, length)) {
                long data = f.stored(capability + 16, 4) & 0xFFFF_FFFFL;
                access.access(f.stored(capability + 4, 1), f.stored(capability + 8, 4) & 0xFFFF_FFFFL, length, true,
                        length == 4 ? data : data & ((1L << 8 * length) - 1));
            }
        }

        /** Lengths 1, 2 or 4 at an offset aligned to them; anything else does nothing. */
        private boolean valid(PciFunction f, int length) {
            int offset = f.stored(capability + 8, 4);
            return (length == 1 || length == 2 || length == 4) && (offset & (length - 1)) == 0;
        }
    }
}
