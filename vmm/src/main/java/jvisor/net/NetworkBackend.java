package jvisor.net;

import java.nio.ByteBuffer;

/**
 * Where a NIC hands the guest's frames and gets the host's; one per NIC. The device calls
 * {@link #start} once, then {@link #transmit} from one thread at a time (its TX thread, or the
 * processor that notified an idle queue) and {@link #receiveSpaceAvailable}
 * from whichever thread sees the guest post receive buffers. The backend calls the
 * {@link GuestPort} from its own thread and, for replies it can give at once (ARP, ACKs), from
 * inside {@code transmit}; it never calls the port from two threads at the same time.
 *
 * <p>The device must not hold a lock that its {@link GuestPort#receive} takes while it calls
 * {@code transmit}: the backend may deliver a reply before {@code transmit} returns.
 */
public interface NetworkBackend extends AutoCloseable {
    /** Starts delivery to {@code guest}; called once, before any {@link #transmit}. */
    void start(GuestPort guest);

    /**
     * A frame the guest sent: an Ethernet frame without the virtio header, from the buffer's
     * position to its limit, valid only during the call (the backend copies what it keeps and may
     * move the buffer's position and limit, never its content). {@code offload} is the device's
     * holder, read only during the call: the checksum may be left for the device (virtio
     * NEEDS_CSUM) and the frame may be a TCP segment of up to 64 KiB (guest TSO). Never blocks on
     * the host network.
     */
    void transmit(ByteBuffer frame, TxOffload offload);

    /** The guest posted receive buffers after {@link GuestPort#receive} returned false; does not block. */
    void receiveSpaceAvailable();

    /** Counters for the monitor and {@code --stats}; safe to read from any thread. */
    NetStats stats();

    /** Stops delivery, closes every host socket or device; the port is not called after this returns. */
    @Override
    void close();
}
