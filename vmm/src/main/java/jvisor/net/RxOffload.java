package jvisor.net;

/**
 * How the device fills the virtio header of a frame for the guest. Backends hand out the
 * constants and per-connection instances, never one per frame.
 *
 * @param dataValid      virtio DATA_VALID: the frame's checksums were checked or computed by the host
 * @param checksumPartial virtio NEEDS_CSUM: the transport checksum at {@code checksumStart +
 *                       checksumOffset} holds only the pseudo-header sum; the guest finishes it
 *                       (or, for local delivery, trusts it) as it does for its own TSO frames
 * @param segmentSize    above 0: a large TCP/IPv4 segment (virtio GSO_TCPV4) the guest may cut
 *                       into pieces of this many payload bytes; only sent when
 *                       {@link GuestPort#maxReceiveSegment} allows
 * @param headerLength   Ethernet, IP and TCP header bytes of a large segment (virtio hdr_len)
 */
public record RxOffload(boolean dataValid, boolean checksumPartial, int checksumStart, int checksumOffset,
                        int segmentSize, int headerLength) {
    /** Checksums complete in the frame; the guest checks them. */
    public static final RxOffload NONE = new RxOffload(false, false, 0, 0, 0, 0);
    /** Checksums complete in the frame and known good. */
    public static final RxOffload DATA_VALID = new RxOffload(true, false, 0, 0, 0, 0);

    public RxOffload {
        if (checksumStart < 0 || checksumOffset < 0 || segmentSize < 0 || headerLength < 0) {
            throw new IllegalArgumentException("negative offload field");
        }
        if (segmentSize > 0 && !checksumPartial) {
            throw new IllegalArgumentException("a large segment carries a partial checksum, as a TSO frame does");
        }
    }

    /**
     * A TCP/IPv4 segment whose checksum holds the pseudo-header sum: {@code transportStart} is
     * where the TCP header begins, {@code segmentSize} the guest's MSS when the frame is larger
     * than one segment (else 0).
     */
    public static RxOffload tcp4(int transportStart, int tcpHeaderLength, int segmentSize) {
        return new RxOffload(false, true, transportStart, 16, segmentSize,
                segmentSize > 0 ? transportStart + tcpHeaderLength : 0);
    }

    public boolean largeSegment() {
        return segmentSize > 0;
    }
}
