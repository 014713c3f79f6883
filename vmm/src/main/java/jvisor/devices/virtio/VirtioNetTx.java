package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.devices.DeviceLog;
import jvisor.net.NetworkBackend;
import jvisor.net.PcapTrace;
import jvisor.net.TxOffload;

/**
 * virtio-net's transmit side, run by the transmit queue's worker thread: each chain is a virtio
 * header and a frame, copied out of guest RAM (so the guest cannot change it while the backend
 * reads it), checked, and handed to the backend with its offload request. A header that asks for
 * what was not negotiated or points outside its frame drops that frame, counted and logged; the
 * queue itself is the transport's to police. Nothing is allocated per frame.
 */
final class VirtioNetTx implements QueueWorker.Drain {
    /**
     * How long a sent frame's chain may stay with the device before it goes back to the driver
     * (0: at once). The frame itself goes to the backend at once; only its buffer is returned
     * late, as a real card returns it after its DMA. While a sent frame is not returned, Linux's
     * TCP holds back the short tail of what the application wrote (autocorking) and grows it into
     * one large segment, instead of sending a frame for every write (busybox nc writes 1 KiB at a
     * time), each of which costs a slow guest about as much as a 64 KiB one.
     */
    static final long COMPLETION_DELAY_NANOS = Long.getLong("jvisor.net.txCompletionMicros", 2_000L) * 1000;

    private final NetworkBackend backend;
    private final DeviceLog log;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNet.MAX_FRAME);
    private final MemorySegment frameSegment = MemorySegment.ofBuffer(frame);
    private final MemorySegment header = MemorySegment.ofArray(new byte[NetHeader.SIZE]);
    private final TxOffload offload = new TxOffload();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong largeSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final PcapTrace trace;
    private volatile VirtioContext context;
    private volatile long features;
    // The worker's own: chains sent but not yet returned, and since when (0: none held).
    private int[] held = new int[0];
    private int heldCount;
    private long heldSince;
    private Virtqueue heldQueue;

    VirtioNetTx(NetworkBackend backend, DeviceLog log, PcapTrace trace) {
        this.backend = backend;
        this.log = log;
        this.trace = trace;
    }

    void start(VirtioContext ctx, long negotiated) {
        features = negotiated;
        context = ctx;
    }

    /** The worker's drain: every available chain goes to the backend; the chains go back to the driver soon after. */
    @Override
    public void drain(Virtqueue queue, DescriptorChain chain) throws VirtqueueException {
        VirtioContext ctx = context;
        if (heldQueue != queue) {
            held = new int[queue.size()];       // a new queue (after a reset): nothing of the old one is owed
            heldCount = 0;
            heldSince = 0;
            heldQueue = queue;
        }
        while (!ctx.failed() && queue.pop(chain)) {
            send(chain);
            held[heldCount++] = chain.head();
            if (heldSince == 0) {
                heldSince = System.nanoTime();
            }
            // Half the ring held: return them now, so the driver never runs out while it waits. A
            // driver that polls the used ring (interrupts off, as a boot loader's) gets them at once:
            // it may wait for each frame before sending the next.
            if (COMPLETION_DELAY_NANOS == 0 || heldCount >= held.length / 2 || queue.driverPolls()) {
                flush();
            }
        }
    }

    @Override
    public long flushDeadline() {
        return heldSince == 0 ? 0 : heldSince + COMPLETION_DELAY_NANOS;
    }

    /** Returns the held chains to the driver and interrupts it if it asked to be. */
    @Override
    public void flush() {
        heldSince = 0;
        if (heldCount == 0) {
            return;
        }
        for (int i = 0; i < heldCount; i++) {
            heldQueue.push(held[i], 0);
        }
        heldCount = 0;
        VirtioContext ctx = context;
        if (ctx != null) {
            ctx.usedBuffers(heldQueue);
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
        bytesSent.addAndGet(length);
        if (offload.segmentation() != TxOffload.Segmentation.NONE) {
            largeSent.incrementAndGet();
        }
        if (trace != null) {
            trace.frame(frameSegment, 0, (int) length);
        }
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

    long largeSent() {
        return largeSent.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }
}
