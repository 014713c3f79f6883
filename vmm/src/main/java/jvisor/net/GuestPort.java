package jvisor.net;

import java.nio.ByteBuffer;

/** The guest's side of a NIC, as a {@link NetworkBackend} sees it; implemented by the device. */
public interface GuestPort {
    /** The largest frame Ethernet carries without segmentation offload: 14 + 1500 bytes. */
    int ETHERNET_FRAME = 1514;

    /**
     * Offers one frame (position to limit) to the guest; the device copies it before returning.
     * False if the guest has no receive buffer free: the backend keeps what it must (bounded) and
     * offers again after {@link NetworkBackend#receiveSpaceAvailable}. {@code offload} says how the
     * device fills the virtio header: checksum valid or partial, and a large TCP segment's GSO size.
     */
    boolean receive(ByteBuffer frame, RxOffload offload);

    /**
     * The largest frame, Ethernet header included, that the guest takes as one large TCP segment
     * with GSO metadata (it negotiated GUEST_TSO4, GUEST_CSUM and mergeable buffers); at most
     * {@code 14 + 65535}. {@link #ETHERNET_FRAME} or less means no large segments.
     */
    int maxReceiveSegment();

    /** The guest NIC's MAC address. */
    MacAddress mac();
}
