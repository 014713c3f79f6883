package jvisor.net;

/**
 * What the guest's virtio header said about a frame it sent. A mutable holder the device owns and
 * refills for every frame, so that transmitting allocates nothing; a backend reads it only during
 * {@link NetworkBackend#transmit}.
 */
public final class TxOffload {
    /** The segmentation the guest left to the device (virtio's gso_type). */
    public enum Segmentation { NONE, TCP4, TCP6, UDP }

    private boolean checksumPending;
    private int checksumStart;
    private int checksumOffset;
    private Segmentation segmentation = Segmentation.NONE;
    private int segmentSize;
    private int headerLength;

    /** No offload: checksums complete, the frame at most one MTU. */
    public TxOffload clear() {
        checksumPending = false;
        checksumStart = 0;
        checksumOffset = 0;
        segmentation = Segmentation.NONE;
        segmentSize = 0;
        headerLength = 0;
        return this;
    }

    /** virtio NEEDS_CSUM: the checksum at {@code start + offset} covers from {@code start} and is not filled in. */
    public TxOffload checksumPending(int start, int offset) {
        checksumPending = true;
        checksumStart = start;
        checksumOffset = offset;
        return this;
    }

    /** A large segment for the device to cut into {@code size}-byte pieces after {@code headerLength} bytes of headers. */
    public TxOffload segmentation(Segmentation kind, int size, int headerLength) {
        segmentation = kind;
        segmentSize = size;
        this.headerLength = headerLength;
        return this;
    }

    public boolean checksumPending() {
        return checksumPending;
    }

    public int checksumStart() {
        return checksumStart;
    }

    public int checksumOffset() {
        return checksumOffset;
    }

    public Segmentation segmentation() {
        return segmentation;
    }

    public int segmentSize() {
        return segmentSize;
    }

    public int headerLength() {
        return headerLength;
    }
}
