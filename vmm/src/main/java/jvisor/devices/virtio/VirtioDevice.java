package jvisor.devices.virtio;

/**
 * A virtio device's own part (its type, features, configuration space and what it does with its
 * queues); {@link VirtioPci} supplies the transport. Configuration-space calls come from
 * processor threads under the transport's lock; queue work happens on the device's own threads.
 */
public interface VirtioDevice {
    /** The virtio device type (1 network, 2 block, ...). */
    int type();

    /** The 24-bit PCI class code the function reports. */
    int pciClass();

    /** Device-specific feature bits offered (the transport adds its own). */
    long features();

    int queueCount();

    /** The largest size queue {@code queue} may have (a power of two). */
    int maxQueueSize(int queue);

    /** The size of the device-specific configuration structure in bytes. */
    int configSize();

    /** Reads {@code size} bytes at {@code offset} of the configuration structure (in range). */
    int readConfig(int offset, int size);

    /** A driver write to the configuration structure; most devices ignore writes. */
    default void writeConfig(int offset, int size, int value) { }

    /** The driver set DRIVER_OK: start serving the enabled queues of {@code context}. */
    void start(VirtioContext context);

    /** The driver notified queue {@code queue}. On a processor thread: must not block. */
    void notify(int queue);

    /**
     * Stops all work and forgets the negotiated state; returns once no request is in flight, so
     * the transport can tell the driver the reset is complete.
     */
    void reset();
}
