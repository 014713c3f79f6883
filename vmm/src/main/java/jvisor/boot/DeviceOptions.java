package jvisor.boot;

import java.util.List;
import jvisor.net.NetOptions;

/**
 * The devices the user asked for beyond the built-in PC: disks, an entropy source, a second
 * console, where a firmware boot's screen goes, a network card ({@code net} is null without
 * {@code --net}), and QEMU's test devices (pc-testdev, pci-testdev; off by default) and the {@code --device} models (edu, intel-iommu). Each device
 * becomes a PCI function in the driver stage.
 */
public record DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display, NetOptions net,
                            boolean testdev, List<ModelDevice> models) {
    public static final DeviceOptions NONE = new DeviceOptions(List.of(), false, null);
    /** PCI slots 3-31 are for devices. */
    public static final int MAX_DEVICES = 29;

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole) {
        this(drives, rng, virtioConsole, Display.AUTO, null, false, List.of());
    }

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display) {
        this(drives, rng, virtioConsole, display, null, false, List.of());
    }

    public DeviceOptions(List<DriveOption> drives, boolean rng, String virtioConsole, Display display, NetOptions net,
                         boolean testdev) {
        this(drives, rng, virtioConsole, display, net, testdev, List.of());
    }

    public DeviceOptions {
        drives = List.copyOf(drives);
        models = List.copyOf(models);
        if (models.stream().filter(m -> m instanceof ModelDevice.IntelIommu).count() > 1
                || models.stream().filter(m -> m instanceof ModelDevice.Edu).count() > 1) {
            throw new BadInputException("--device edu and --device intel-iommu each go once");
        }
        display = display == null ? Display.AUTO : display;
        if (drives.size() + (rng ? 1 : 0) + (virtioConsole == null ? 0 : 1) + (net == null ? 0 : 1) + (testdev ? 1 : 0)
                + models.stream().filter(m -> m instanceof ModelDevice.Edu).count() > MAX_DEVICES) {
            throw new BadInputException("too many devices: the PCI bus has room for " + MAX_DEVICES);
        }
    }

    public DeviceOptions withDrives(List<DriveOption> d) {
        return new DeviceOptions(d, rng, virtioConsole, display, net, testdev, models);
    }

    /** Whether {@code --device} asked for a device of {@code kind}. */
    public <T extends ModelDevice> java.util.Optional<T> model(Class<T> kind) {
        return models.stream().filter(kind::isInstance).map(kind::cast).findFirst();
    }

    public DeviceOptions withDisplay(Display d) {
        return new DeviceOptions(drives, rng, virtioConsole, d, net, testdev, models);
    }

    public DeviceOptions withNet(NetOptions n) {
        return new DeviceOptions(drives, rng, virtioConsole, display, n, testdev, models);
    }

    public DeviceOptions withTestdev(boolean on) {
        return new DeviceOptions(drives, rng, virtioConsole, display, net, on, models);
    }
}
