package jvisor.bus;

/** Where message-signalled interrupts go: the platform's local APICs, through the engine. */
@FunctionalInterface
public interface MsiSink {
    /** A sink that drops every message. */
    MsiSink NONE = (address, data) -> { };

    /** The write of {@code data} to {@code address} that an MSI or MSI-X vector makes. */
    void signal(long address, int data);

    /**
     * The same write made by PCI function {@code requester} (bus:device.function), which an
     * interrupt-remapping IOMMU may check against its table; a sink that does not care drops the ID.
     */
    default void signal(int requester, long address, int data) {
        signal(address, data);
    }
}
