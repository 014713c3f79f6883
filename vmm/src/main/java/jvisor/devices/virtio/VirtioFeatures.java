package jvisor.devices.virtio;

/** Feature bits the transport itself handles (virtio 1.2, 6) and the device status bits (2.1). */
public final class VirtioFeatures {
    private VirtioFeatures() { }

    public static final long RING_INDIRECT_DESC = 1L << 28;
    public static final long RING_EVENT_IDX = 1L << 29;
    public static final long VERSION_1 = 1L << 32;
    /** What every jvisor device offers besides its own bits. */
    public static final long TRANSPORT = RING_INDIRECT_DESC | RING_EVENT_IDX | VERSION_1;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    /** Device types (5). */
    public static final int TYPE_NET = 1;
    public static final int TYPE_BLOCK = 2;
    public static final int TYPE_CONSOLE = 3;
    public static final int TYPE_RNG = 4;
}
