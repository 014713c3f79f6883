package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.devices.DeviceLog;
import jvisor.net.NetworkBackend;
import jvisor.net.TxOffload;

/**
 * virtio-net's transmit side, run by the transmit queue's worker thread: each chain is a virtio
 * header and a frame, copied out of guest RAM (so the guest cannot change it while the backend
 * reads it), checked, and handed to the backend with its offload request. A header that asks for
 * what was not negotiated or points outside its frame drops that frame, counted and logged; the
 * queue itself is the transport's to police. Nothing is allocated per frame.
 */
final class VirtioNetTx {
    /** Used chains returned before the driver hears of them, when the queue keeps the worker busy. */
    static final int BATCH = 64;

    private final NetworkBackend backend;
    private final DeviceLog log;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNet.MAX_FRAME);
    private final MemorySegment frameSegment = MemorySegment.ofBuffer(frame);
    private final MemorySegment header = MemorySegment.ofArray(new byte[NetHeader.SIZE]);
    private final TxOffload offload = new TxOffload();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile VirtioContext context;
    private volatile long features;

    VirtioNetTx(NetworkBackend backend, DeviceLog log) {
        this.backend = backend;
        this.log = log;
    }

    void start(VirtioContext ctx, long negotiated) {
        features = negotiated;
        context = ctx;
    }

    /** The worker's drain: every available chain goes to the backend, then back to the driver. */
    void drain(Virtqueue queue, DescriptorChain chain) throws VirtqueueException {
        VirtioContext ctx = context;
        int unsignalled = 0;
        while (!ctx.failed() && queue.pop(chain)) {
            send(chain);
            queue.push(chain.head(), 0);
            if (++unsignalled == BATCH) {
                ctx.usedBuffers(queue);
                unsignalled = 0;
            }
        }
        if (unsignalled > 0) {
            ctx.usedBuffers(queue);
        }
    }

    private void send(DescriptorChain chain) {
        long total = chain.readableBytes();
        if (total < NetHeader.SIZE) {
            drop("a transmitted chain of %d bytes has no room for the %d-byte virtio-net header", total, NetHeader.SIZE);
            return;
        }
        long length = total - NetHeader.SIZE;
        if (length > VirtioNet.MAX_FRAME) {
            drop("a transmitted frame of %d bytes is longer than %d", length, VirtioNet.MAX_FRAME);
            return;
        }
        copyOut(chain, 0, header, NetHeader.SIZE);
        copyOut(chain, NetHeader.SIZE, frameSegment, length);
        if (!offload((int) length)) {
            return;
        }
        sent.incrementAndGet();
        backend.transmit(frame.clear().limit((int) length), offload);
    }

    /** Fills {@link #offload} from the copied header; false (the frame dropped) if the header is not acceptable. */
    private boolean offload(int length) {
        int flags = NetHeader.u8(header, NetHeader.FLAGS);
        int gso = NetHeader.u8(header, NetHeader.GSO_TYPE);
        offload.clear();
        boolean pending = (flags & NetHeader.F_NEEDS_CSUM) != 0;
        if (pending) {
            int start = NetHeader.u16(header, NetHeader.CSUM_START);
            int at = NetHeader.u16(header, NetHeader.CSUM_OFFSET);
            if ((features & VirtioNet.F_CSUM) == 0) {
                return drop("a transmitted frame asks for checksum offload, which was not negotiated");
            }
            if (start + at + 2 > length) {
                return drop("a transmitted frame's checksum at %d+%d lies outside its %d bytes", start, at, length);
            }
            offload.checksumPending(start, at);
        }
        if (gso == NetHeader.GSO_NONE) {
            return true;
        }
        int size = NetHeader.u16(header, NetHeader.GSO_SIZE);
        if (gso != NetHeader.GSO_TCPV4 || (features & VirtioNet.F_HOST_TSO4) == 0) {
            return drop("a transmitted frame asks for segmentation type %#x, which was not negotiated", gso);
        }
        if (!pending || size == 0) {
            return drop("a TSO frame without a partial checksum or a segment size");
        }
        offload.segmentation(TxOffload.Segmentation.TCP4, size, NetHeader.u16(header, NetHeader.HDR_LEN));
        return true;
    }

    private boolean drop(String format, Object... args) {
        dropped.incrementAndGet();
        log.warn(format + "; dropped", args);
        return false;
    }

    /** Copies {@code bytes} of the chain's readable part, from {@code offset} in it, to {@code dst}. */
    private static void copyOut(DescriptorChain chain, long offset, MemorySegment dst, long bytes) {
        long skip = offset;
        long done = 0;
        for (int i = 0; i < chain.readable() && done < bytes; i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, bytes - done);
            MemorySegment.copy(chain.ram(), chain.hostOffset(i) + skip, dst, done, n);
            done += n;
            skip = 0;
        }
    }

    long sent() {
        return sent.get();
    }

    long dropped() {
        return dropped.get();
    }
}
