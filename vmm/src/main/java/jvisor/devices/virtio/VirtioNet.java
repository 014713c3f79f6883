package jvisor.devices.virtio;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.devices.DeviceLog;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.NetworkBackend;
import jvisor.net.PcapTrace;
import jvisor.net.RxOffload;
import jvisor.net.wire.Ethernet;

/**
 * A virtio network device (virtio 1.2, 5.1) in front of a {@link NetworkBackend}: one receive and
 * one transmit queue, the MAC address and link status in configuration space, checksum offload
 * both ways, TCP segmentation offload for IPv4 both ways and mergeable receive buffers.
 *
 * <p>Threads: the transmit queue has its own worker, which hands frames to the backend, except
 * that a notification of an idle queue is served on the notifying processor (a lone frame then
 * waits for no thread); frames for the guest arrive on the backend's thread (the user-mode
 * stack's loop, the TAP reader, or whichever thread transmitted) as {@link GuestPort#receive}
 * calls. The backend is started at the
 * driver's first DRIVER_OK, when the offloads it may use are known, and outlives device resets.
 */
public final class VirtioNet implements VirtioDevice, GuestPort {
    public static final long F_CSUM = 1L << 0;
    public static final long F_GUEST_CSUM = 1L << 1;
    public static final long F_MAC = 1L << 5;
    public static final long F_GUEST_TSO4 = 1L << 7;
    public static final long F_HOST_TSO4 = 1L << 11;
    public static final long F_MRG_RXBUF = 1L << 15;
    public static final long F_STATUS = 1L << 16;
    static final long OFFERED = F_CSUM | F_GUEST_CSUM | F_MAC | F_GUEST_TSO4 | F_HOST_TSO4 | F_MRG_RXBUF | F_STATUS;

    /**
     * Whether a notification of an idle transmit queue is served on the notifying processor
     * ({@link QueueWorker#serveHereOrWake}) rather than by waking the transmit thread.
     */
    static final boolean SEND_ON_PROCESSOR = Boolean.parseBoolean(System.getProperty("jvisor.net.sendOnProcessor", "true"));

    static final int RECEIVE = 0;
    static final int TRANSMIT = 1;
    static final int QUEUE_SIZE = 256;
    /** mac[6], status, max_virtqueue_pairs, mtu: the fields up to the ones a feature we do not offer adds. */
    static final int CONFIG_SIZE = 12;
    static final int STATUS_LINK_UP = 1;
    static final int PCI_CLASS = 0x02_00_00;
    /** The largest frame either way: an Ethernet header and the largest IPv4 packet. */
    static final int MAX_FRAME = Ethernet.HEADER + 65535;

    private final String name;
    private final NetworkBackend backend;
    private final MacAddress mac;
    private final VirtioNetRx rx;
    private final VirtioNetTx tx;
    private volatile long features;
    private volatile boolean linkUp = true;
    private QueueWorker transmitter;
    private VirtioContext context;
    private boolean backendStarted;
    private final AtomicLong rxNotifications = new AtomicLong();
    private final AtomicLong txNotifications = new AtomicLong();
    /** Interrupts raised on queues a reset has since closed (a guest's power-off resets the device). */
    private final AtomicLong rxInterruptsBefore = new AtomicLong();
    private final AtomicLong txInterruptsBefore = new AtomicLong();

    public VirtioNet(String name, NetworkBackend backend, MacAddress mac, DeviceLog log) {
        this.name = name;
        this.backend = backend;
        this.mac = mac;
        PcapTrace trace = PcapTrace.fromEnvironment();
        this.rx = new VirtioNetRx(backend, trace);
        this.tx = new VirtioNetTx(backend, log, trace);
    }

    @Override
    public int type() {
        return VirtioFeatures.TYPE_NET;
    }

    @Override
    public int pciClass() {
        return PCI_CLASS;
    }

    @Override
    public long features() {
        return OFFERED;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int maxQueueSize(int queue) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public int readConfig(int offset, int size) {
        int value = 0;
        for (int k = size - 1; k >= 0; k--) {
            value = value << 8 | configByte(offset + k);
        }
        return value;
    }

    private int configByte(int at) {
        return switch (at) {
            case 0, 1, 2, 3, 4, 5 -> (int) (mac.bits() >>> (40 - 8 * at)) & 0xFF;
            case 6 -> linkUp ? STATUS_LINK_UP : 0;
            case 8 -> 1;                        // one queue pair
            case 10 -> 1500 & 0xFF;
            case 11 -> 1500 >>> 8;
            default -> 0;
        };
    }

    @Override
    public synchronized void start(VirtioContext ctx) {
        context = ctx;
        long f = ctx.features();
        features = f;
        rx.start(ctx, ctx.queue(RECEIVE), f);
        tx.start(ctx, f);
        Virtqueue q = ctx.queue(TRANSMIT);
        if (q != null) {
            transmitter = new QueueWorker(name + "-tx", q, ctx, tx).start();
        }
        if (!backendStarted) {
            backendStarted = true;
            backend.start(this);
        } else {
            backend.receiveSpaceAvailable();    // whatever it held for the old queue can go now
        }
    }

    @Override
    public void notify(int queue) {
        if (queue == RECEIVE) {
            rxNotifications.incrementAndGet();
            rx.notified();
        } else if (queue == TRANSMIT) {
            txNotifications.incrementAndGet();
            QueueWorker w = transmitter;
            if (w == null) {
                return;
            }
            if (SEND_ON_PROCESSOR) {
                w.serveHereOrWake();
            } else {
                w.wake();
            }
        }
    }

    /**
     * Stops the transmit worker first (it may be inside the backend, which may be delivering to
     * the receive side), then the receive side; no lock is held while waiting for either.
     */
    @Override
    public void reset() {
        QueueWorker w;
        boolean started;
        synchronized (this) {
            w = transmitter;
            transmitter = null;
            if (context != null) {
                txInterruptsBefore.addAndGet(interrupts(context.queue(TRANSMIT)));
                rxInterruptsBefore.addAndGet(interrupts(context.queue(RECEIVE)));
            }
            context = null;
            features = 0;
            started = backendStarted;
        }
        if (w != null) {
            w.stop();
        }
        rx.stop();
        if (started) {
            backend.receiveSpaceAvailable();    // frames it holds are now dropped, not kept for a queue that is gone
        }
    }

    /** Sets the link status the guest reads and tells the driver (with VIRTIO_NET_F_STATUS). */
    public void setLinkUp(boolean up) {
        VirtioContext ctx;
        synchronized (this) {
            linkUp = up;
            ctx = context;
        }
        if (ctx != null && (features & F_STATUS) != 0) {
            ctx.configChanged();
        }
    }

    // ---- GuestPort, for the backend ----

    @Override
    public boolean receive(ByteBuffer frame, RxOffload offload) {
        return rx.receive(frame, offload, largeSegments(features));
    }

    @Override
    public int maxReceiveSegment() {
        return largeSegments(features) ? MAX_FRAME : ETHERNET_FRAME;
    }

    /** GUEST_TSO4 with the GUEST_CSUM it depends on: the guest takes large TCP segments. */
    private static boolean largeSegments(long f) {
        return (f & (F_GUEST_TSO4 | F_GUEST_CSUM)) == (F_GUEST_TSO4 | F_GUEST_CSUM);
    }

    @Override
    public MacAddress mac() {
        return mac;
    }

    public NetworkBackend backend() {
        return backend;
    }

    /** Device-level counts for the monitor and tests: what the backends' own counters cannot see. */
    public record Counters(long sent, long txDropped, long delivered, long rxDropped, long rxFull) { }

    public Counters counters() {
        return new Counters(tx.sent(), tx.dropped(), rx.delivered(), rx.dropped(), rx.full());
    }

    /**
     * How the guest and the device talk, for {@code --stats}: notifications the driver sent and
     * interrupts the device raised per queue (since the device was made, across resets), and the
     * large segments among the frames sent.
     */
    public record Signals(long txNotifications, long txInterrupts, long rxNotifications, long rxInterrupts,
                          long largeSent, long bytesSent) { }

    public Signals signals() {
        VirtioContext ctx;
        synchronized (this) {
            ctx = context;
        }
        long tx = txInterruptsBefore.get() + (ctx == null ? 0 : interrupts(ctx.queue(TRANSMIT)));
        long rx = rxInterruptsBefore.get() + (ctx == null ? 0 : interrupts(ctx.queue(RECEIVE)));
        return new Signals(txNotifications.get(), tx, rxNotifications.get(), rx, this.tx.largeSent(), this.tx.bytesSent());
    }

    private static long interrupts(Virtqueue q) {
        return q == null ? 0 : q.interrupts();
    }
}
