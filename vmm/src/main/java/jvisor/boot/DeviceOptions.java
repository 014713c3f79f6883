package jvisor.boot;

import java.util.List;
import jvisor.net.NetOptions;

/**
 * The devices the user asked for beyond the built-in PC: disks, an entropy source, a second
 * console, where a firmware boot's screen goes, a network card ({@code net} is null without
 * {@code --net}), and QEMU's test devices (pc-testdev, pci-testdev; off by default). Each device
 * becomes a PCI function in the driver stage.
 */
public record DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display, NetOptions net,
                            boolean testdev) {
    public static final DeviceOptions NONE = new DeviceOptions(List.of(), false, null);
    /** PCI slots 3-31 are for devices. */
    public static final int MAX_DEVICES = 29;

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole) {
        this(drives, rng, virtioConsole, Display.AUTO, null, false);
    }

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display) {
        this(drives, rng, virtioConsole, display, null, false);
    }

    public DeviceOptions {
        drives = List.copyOf(drives);
        display = display == null ? Display.AUTO : display;
        if (drives.size() + (rng ? 1 : 0) + (virtioConsole == null ? 0 : 1) + (net == null ? 0 : 1) + (testdev ? 1 : 0)
                > MAX_DEVICES) {
            throw new BadInputException("too many devices: the PCI bus has room for " + MAX_DEVICES);
        }
    }

    public DeviceOptions withDrives(List<DriveOption> d) {
        return new DeviceOptions(d, rng, virtioConsole, display, net, testdev);
    }

    public DeviceOptions withDisplay(Display d) {
        return new DeviceOptions(drives, rng, virtioConsole, d, net, testdev);
    }

    public DeviceOptions withNet(NetOptions n) {
        return new DeviceOptions(drives, rng, virtioConsole, display, n, testdev);
    }

    public DeviceOptions withTestdev(boolean on) {
        return new DeviceOptions(drives, rng, virtioConsole, display, net, on);
    }
}
