package jvisor.boot;

import java.util.List;

/**
 * The devices the user asked for beyond the built-in PC: disks, an entropy source, a second
 * console. Each becomes a PCI function in the driver stage.
 */
public record DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, boolean testdev) {
    public static final DeviceOptions NONE = new DeviceOptions(List.of(), false, null);
    /** PCI slots 3-31 are for devices. */
    public static final int MAX_DEVICES = 29;

    public DeviceOptions {
        drives = List.copyOf(drives);
        if (drives.size() + (rng ? 1 : 0) + (virtioConsole == null ? 0 : 1) + (testdev ? 1 : 0) > MAX_DEVICES) {
            throw new BadInputException("too many devices: the PCI bus has room for " + MAX_DEVICES);
        }
    }

    /** Without QEMU's test devices (pc-testdev, pci-testdev), the default. */
    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole) {
        this(drives, rng, virtioConsole, false);
    }

    public DeviceOptions withDrives(List<DriveOption> d) {
        return new DeviceOptions(d, rng, virtioConsole, testdev);
    }

    public DeviceOptions withTestdev(boolean on) {
        return new DeviceOptions(drives, rng, virtioConsole, on);
    }
}
