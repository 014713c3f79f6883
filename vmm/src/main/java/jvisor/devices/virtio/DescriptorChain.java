package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One request the driver made available: the buffers of a descriptor chain (indirect tables
 * already followed), device-readable ones first, each checked to lie in guest RAM. Reused from
 * request to request, so popping allocates nothing. Offsets into the request's data are counted
 * over the readable buffers for reads and over the writable buffers for writes.
 */
public final class DescriptorChain {
    private final MemorySegment ram;
    private final long[] guestAddress;
    private final long[] hostOffset;
    private final int[] length;
    private int count;
    private int readable;
    private int head = -1;
    private long readableBytes;
    private long writableBytes;

    DescriptorChain(MemorySegment ram, int capacity) {
        this.ram = ram;
        this.guestAddress = new long[capacity];
        this.hostOffset = new long[capacity];
        this.length = new int[capacity];
    }

    void clear() {
        count = 0;
        readable = 0;
        head = -1;
        readableBytes = 0;
        writableBytes = 0;
    }

    int capacity() {
        return length.length;
    }

    void add(long guest, long host, int bytes, boolean writable) {
        guestAddress[count] = guest;
        hostOffset[count] = host;
        length[count] = bytes;
        count++;
        if (writable) {
            writableBytes += Integer.toUnsignedLong(bytes);
        } else {
            readable++;
            readableBytes += Integer.toUnsignedLong(bytes);
        }
    }

    void setHead(int index) {
        head = index;
    }

    /** The head descriptor's index: what the used ring reports back. */
    public int head() {
        return head;
    }

    public int count() {
        return count;
    }

    /** Buffers {@code 0 .. readable()-1} are device-readable, the rest device-writable. */
    public int readable() {
        return readable;
    }

    public long readableBytes() {
        return readableBytes;
    }

    public long writableBytes() {
        return writableBytes;
    }

    public long guestAddress(int i) {
        return guestAddress[i];
    }

    /** Where buffer {@code i} lies in the RAM mapping. */
    public long hostOffset(int i) {
        return hostOffset[i];
    }

    /** Buffer {@code i}'s length in bytes (at most 4 GiB - 1, as the descriptor says). */
    public long length(int i) {
        return Integer.toUnsignedLong(length[i]);
    }

    public MemorySegment ram() {
        return ram;
    }

    /**
     * Copies up to {@code dst.length} bytes of the readable buffers, from {@code offset} in their
     * concatenation, into {@code dst}; returns how many there were.
     */
    public int read(long offset, byte[] dst, int dstOffset, int bytes) {
        int done = 0;
        long skip = offset;
        for (int i = 0; i < readable && done < bytes; i++) {
            long len = length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            int n = (int) Math.min(len - skip, bytes - done);
            MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, hostOffset[i] + skip, dst, dstOffset + done, n);
            done += n;
            skip = 0;
        }
        return done;
    }

    /**
     * Copies {@code bytes} bytes of {@code src} into the writable buffers from {@code offset} in
     * their concatenation; returns how many fitted.
     */
    public int write(long offset, byte[] src, int srcOffset, int bytes) {
        int done = 0;
        long skip = offset;
        for (int i = readable; i < count && done < bytes; i++) {
            long len = length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            int n = (int) Math.min(len - skip, bytes - done);
            MemorySegment.copy(src, srcOffset + done, ram, ValueLayout.JAVA_BYTE, hostOffset[i] + skip, n);
            done += n;
            skip = 0;
        }
        return done;
    }

    @Override
    public String toString() {
        return "chain head " + head + ": " + count + " buffers, " + readableBytes + " bytes readable, "
                + writableBytes + " writable";
    }
}
