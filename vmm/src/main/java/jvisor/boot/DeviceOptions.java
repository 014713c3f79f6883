package jvisor.boot;

import java.util.List;

/**
 * The devices the user asked for beyond the built-in PC: disks, an entropy source, a second
 * console. Each becomes a PCI function in the driver stage.
 */
public record DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display) {
    public static final DeviceOptions NONE = new DeviceOptions(List.of(), false, null);
    /** PCI slots 3-31 are for devices. */
    public static final int MAX_DEVICES = 29;

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole) {
        this(drives, rng, virtioConsole, Display.AUTO);
    }

    public DeviceOptions {
        drives = List.copyOf(drives);
        display = display == null ? Display.AUTO : display;
        if (drives.size() + (rng ? 1 : 0) + (virtioConsole == null ? 0 : 1) > MAX_DEVICES) {
            throw new BadInputException("too many devices: the PCI bus has room for " + MAX_DEVICES);
        }
    }

    public DeviceOptions withDrives(List<DriveOption> d) {
        return new DeviceOptions(d, rng, virtioConsole, display);
    }

    public DeviceOptions withDisplay(Display d) {
        return new DeviceOptions(drives, rng, virtioConsole, d);
    }
}
