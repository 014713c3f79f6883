package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.net.NetworkBackend;
import jvisor.net.PcapTrace;
import jvisor.net.RxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;

/**
 * virtio-net's receive side, run on the backend's thread: each frame gets a virtio header and is
 * copied into the buffers the driver posted, one chain per frame or, with mergeable buffers, as
 * many as it takes ({@code num_buffers}). Chains are popped ahead and held until a frame fills
 * them, so a frame is written only once enough room is known. With no room the frame is refused
 * (the backend keeps it) and the driver is asked to notify; its notification tells the backend.
 *
 * <p>A frame the guest could never take (a large segment it did not negotiate, a frame bigger than
 * every buffer it can post) is dropped and counted, as is every frame while the device is stopped
 * or failed, so a backend never waits on a guest that cannot drain it.
 */
final class VirtioNetRx {
    private static final int VIEWS = 4;
    private final NetworkBackend backend;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean waiting = new AtomicBoolean();
    private final MemorySegment header = MemorySegment.ofArray(new byte[NetHeader.SIZE]);
    /** A frame whose partial checksum the device finishes for a guest without GUEST_CSUM. */
    private final ByteBuffer staging = ByteBuffer.allocateDirect(VirtioNet.MAX_FRAME);
    private final MemorySegment stagingSegment = MemorySegment.ofBuffer(staging);
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong full = new AtomicLong();
    /** Views of the last few frame buffers the backend used; it reuses a handful, so they rarely change. */
    private final ByteBuffer[] viewed = new ByteBuffer[VIEWS];
    private final MemorySegment[] views = new MemorySegment[VIEWS];
    private int nextView;

    // Guarded by lock: the started queue and the chains popped from it but not yet used.
    private VirtioContext context;
    private Virtqueue queue;
    private long features;
    private DescriptorChain[] held = new DescriptorChain[0];
    private int first;
    private int count;
    private boolean armed;

    private final PcapTrace trace;

    VirtioNetRx(NetworkBackend backend, PcapTrace trace) {
        this.backend = backend;
        this.trace = trace;
    }

    void start(VirtioContext ctx, Virtqueue q, long negotiated) {
        lock.lock();
        try {
            context = ctx;
            queue = q;
            features = negotiated;
            held = q == null ? new DescriptorChain[0] : new DescriptorChain[q.size()];
            first = 0;
            count = 0;
            armed = false;
            if (q != null) {
                q.suppressNotification();       // buffers are popped when frames come, not when posted
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the queue; frames are dropped until the next start. Waits for a delivery in progress. */
    void stop() {
        lock.lock();
        try {
            context = null;
            queue = null;
            held = new DescriptorChain[0];
            count = 0;
        } finally {
            lock.unlock();
        }
        waiting.set(false);
    }

    /** The driver posted buffers: if the backend was refused, it may offer again. From a processor thread. */
    void notified() {
        if (waiting.getAndSet(false)) {
            backend.receiveSpaceAvailable();
        }
    }

    boolean receive(ByteBuffer frame, RxOffload offload, boolean large) {
        lock.lock();
        try {
            VirtioContext ctx = context;
            Virtqueue q = queue;
            int length = frame.remaining();
            if (q == null || ctx.failed() || length > VirtioNet.MAX_FRAME || offload.largeSegment() && !large) {
                dropped.incrementAndGet();
                return true;
            }
            MemorySegment source = segmentOf(frame);
            long sourceOffset = frame.position();
            boolean partial = offload.checksumPartial();
            if (partial && (features & VirtioNet.F_GUEST_CSUM) == 0) {
                if (!finishChecksum(frame, length, offload)) {
                    dropped.incrementAndGet();
                    return true;
                }
                source = stagingSegment;
                sourceOffset = 0;
                partial = false;
            }
            int chains;
            try {
                chains = gather(q, NetHeader.SIZE + length);
            } catch (VirtqueueException e) {
                ctx.fail(e.getMessage());
                dropped.incrementAndGet();
                return true;
            }
            if (chains == 0) {
                full.incrementAndGet();
                return false;
            }
            if (chains < 0) {
                dropped.incrementAndGet();
                return true;
            }
            if (trace != null) {
                trace.frame(source, sourceOffset, length);
            }
            fillHeader(offload, partial, chains);
            deliver(ctx, q, chains, source, sourceOffset, NetHeader.SIZE + length);
            delivered.incrementAndGet();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Pops chains until the first few hold {@code need} bytes; returns how many that is, 0 if the
     * driver has to post more first (notification armed), -1 if it never could hold the frame.
     */
    private int gather(Virtqueue q, long need) throws VirtqueueException {
        boolean mergeable = (features & VirtioNet.F_MRG_RXBUF) != 0;
        long room = 0;
        int n = 0;
        while (true) {
            while (n < count && (mergeable || n == 0)) {
                room += chainAt(n).writableBytes();
                n++;
                if (room >= need) {
                    return n;
                }
            }
            if (!mergeable && n == 1 || count == held.length) {
                return -1;      // one buffer too small, or every buffer the queue can hold together too small
            }
            int slot = (first + count) % held.length;
            if (held[slot] == null) {
                held[slot] = q.newChain();
            }
            if (q.pop(held[slot])) {
                count++;
                if (armed) {
                    q.suppressNotification();
                    armed = false;
                }
                continue;
            }
            waiting.set(true);              // before arming: a notification from now on reaches the backend
            if (q.armNotification()) {
                armed = true;
                return 0;
            }
        }
    }

    private DescriptorChain chainAt(int i) {
        return held[(first + i) % held.length];
    }

    private void fillHeader(RxOffload o, boolean partial, int chains) {
        int flags = partial ? NetHeader.F_NEEDS_CSUM
                : o.dataValid() && (features & VirtioNet.F_GUEST_CSUM) != 0 ? NetHeader.F_DATA_VALID : 0;
        NetHeader.put8(header, NetHeader.FLAGS, flags);
        NetHeader.put8(header, NetHeader.GSO_TYPE, o.largeSegment() ? NetHeader.GSO_TCPV4 : NetHeader.GSO_NONE);
        NetHeader.put16(header, NetHeader.HDR_LEN, o.largeSegment() ? o.headerLength() : 0);
        NetHeader.put16(header, NetHeader.GSO_SIZE, o.largeSegment() ? o.segmentSize() : 0);
        NetHeader.put16(header, NetHeader.CSUM_START, partial ? o.checksumStart() : 0);
        NetHeader.put16(header, NetHeader.CSUM_OFFSET, partial ? o.checksumOffset() : 0);
        NetHeader.put16(header, NetHeader.NUM_BUFFERS, chains);
    }

    /** Writes header and frame across the first {@code chains} held chains and returns them to the driver. */
    private void deliver(VirtioContext ctx, Virtqueue q, int chains, MemorySegment source, long sourceOffset, long total) {
        long at = 0;
        for (int c = 0; c < chains; c++) {
            DescriptorChain chain = held[first];
            long n = Math.min(chain.writableBytes(), total - at);
            long into = 0;
            if (at < NetHeader.SIZE) {
                long h = Math.min(NetHeader.SIZE - at, n);
                copyIn(q, chain, 0, header, at, h);
                into = h;
            }
            if (into < n) {
                copyIn(q, chain, into, source, sourceOffset + at + into - NetHeader.SIZE, n - into);
            }
            q.push(chain.head(), (int) n);
            at += n;
            first = (first + 1) % held.length;
            count--;
        }
        ctx.usedBuffers(q);
    }

    /** Copies {@code bytes} from {@code src} into the chain's writable part at {@code offset}. */
    private static void copyIn(Virtqueue q, DescriptorChain chain, long offset, MemorySegment src, long srcOffset, long bytes) {
        long skip = offset;
        long done = 0;
        for (int i = chain.readable(); i < chain.count() && done < bytes; i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, bytes - done);
            MemorySegment.copy(src, srcOffset + done, chain.ram(), chain.hostOffset(i) + skip, n);
            q.memory().deviceWrote(chain.guestAddress(i) + skip, n);
            done += n;
            skip = 0;
        }
    }

    /** Copies the frame to {@link #staging} and completes its transport checksum there; false if it points outside. */
    private boolean finishChecksum(ByteBuffer frame, int length, RxOffload o) {
        int start = o.checksumStart();
        int field = start + o.checksumOffset();
        if (start < Ethernet.HEADER || field + 2 > length) {
            return false;
        }
        staging.clear().put(0, frame, frame.position(), length);
        // The field holds the pseudo-header sum, so summing over it gives the whole checksum.
        Bytes.put16(staging, field, Checksum.finish(Checksum.sum(staging, start, length - start)));
        return true;
    }

    /** The frame's backing memory, from its start: a view made once per buffer while the buffer stays in use. */
    private MemorySegment segmentOf(ByteBuffer frame) {
        for (int i = 0; i < VIEWS; i++) {
            if (viewed[i] == frame) {
                return views[i];
            }
        }
        int i = nextView;
        nextView = (i + 1) % VIEWS;
        viewed[i] = frame;
        views[i] = MemorySegment.ofBuffer(frame.duplicate().clear());
        return views[i];
    }

    long delivered() {
        return delivered.get();
    }

    long dropped() {
        return dropped.get();
    }

    /** Frames refused because the driver had no buffer posted. */
    long full() {
        return full.get();
    }
}
