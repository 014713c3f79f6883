package jvisor.devices.virtio;

import jvisor.engine.GuestMemory;

/** What a started device gets from its transport: the negotiated features, its queues, its interrupts. */
public interface VirtioContext {
    /** The features the driver accepted. */
    long features();

    /** Queue {@code index}, or null if the driver did not enable it. */
    Virtqueue queue(int index);

    GuestMemory memory();

    /** After pushing used chains: interrupts the driver if its suppression fields allow. */
    void usedBuffers(Virtqueue queue);

    /** The device configuration changed. */
    void configChanged();

    /**
     * The driver broke the device's rules: logs {@code why} once, sets DEVICE_NEEDS_RESET and tells
     * the driver; the device must stop using its queues.
     */
    void fail(String why);

    boolean failed();

    /** The device's name in log lines, e.g. "virtio-blk0". */
    String name();
}
