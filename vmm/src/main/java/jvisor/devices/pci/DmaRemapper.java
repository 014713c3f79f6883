package jvisor.devices.pci;

/**
 * What stands between a bus master and guest memory: an IOMMU translates the address each DMA
 * request carries, page by page, or blocks it. Without one a bus address is a guest-physical one.
 */
@FunctionalInterface
public interface DmaRemapper {
    /** Bus addresses are guest-physical addresses. */
    DmaRemapper NONE = (requester, address, write) -> address;

    /** Returned for a request the remapper blocked (it has recorded the fault its own way). */
    long BLOCKED = -1;

    /**
     * The guest-physical address that {@code address} from {@code requester} (bus:device.function)
     * reaches for a read or a {@code write}, valid to the end of its 4 KiB page; or {@link #BLOCKED}.
     */
    long translate(int requester, long address, boolean write);
}
