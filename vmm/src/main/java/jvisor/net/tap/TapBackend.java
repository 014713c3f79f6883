package jvisor.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.net.GuestPort;
import jvisor.net.NetCounter;
import jvisor.net.NetOptions;
import jvisor.net.NetStats;
import jvisor.net.NetworkBackend;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;
import jvisor.sys.FdIo;
import jvisor.sys.Posix;

/**
 * {@code --net tap,ifname=NAME}: the guest's frames go to an existing TAP device and the
 * device's come back, for a guest on a host bridge or a routed network. With the virtio-net
 * header (the default) checksum and segmentation offloads pass through in both directions, so
 * large TCP segments cross without being cut.
 *
 * <p>Threads: {@link #transmit} writes on the caller's thread (the device's TX thread) without
 * blocking: the descriptor is non-blocking and a full device queue drops the frame, as a full NIC
 * ring would. A reader thread ("jvisor-tap") polls the descriptor and offers frames to the guest;
 * while the guest has no receive buffer it stops reading, and the kernel's queue for the device
 * (bounded by its txqueuelen) holds or drops what arrives meanwhile.
 */
public final class TapBackend implements NetworkBackend {
    private static final int MAX_FRAME = 14 + 65535;
    private static final int POLL_MILLIS = 100;

    private final TunDevice tun;
    private final NetStats stats = new NetStats();
    private final Arena arena = Arena.ofShared();
    private final int header;
    private final ReentrantLock txLock = new ReentrantLock();
    private final MemorySegment tx;
    private final ByteBuffer txView;
    private final MemorySegment txErrno;
    private final MemorySegment rx;
    private final ByteBuffer rxView;
    private final MemorySegment rxErrno;
    private final MemorySegment pollfd;
    private final Object room = new Object();
    private boolean roomSignal;
    private volatile boolean running = true;
    private GuestPort guest;
    private Thread reader;

    private TapBackend(TunDevice tun) {
        this.tun = tun;
        this.header = tun.vnetHeader ? VirtioNetHeader.SIZE : 0;
        tx = arena.allocate(header + MAX_FRAME, 64);
        txView = tx.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        txErrno = Posix.newErrnoBuffer(arena);
        rx = arena.allocate(header + MAX_FRAME, 64);
        rxView = rx.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        rxErrno = Posix.newErrnoBuffer(arena);
        pollfd = arena.allocate(FdIo.POLLFD_SIZE, 8);
    }

    /** Attaches to the device; a missing device, a TUN device or a refusal is a one-line BadInputException. */
    public static TapBackend open(NetOptions.Tap options) {
        return new TapBackend(TunDevice.attach(options.ifname(), options.vnetHeader()));
    }

    public String deviceName() {
        return tun.name;
    }

    @Override
    public void start(GuestPort port) {
        guest = port;
        if (tun.vnetHeader) {
            // Large segments and partial checksums only if the guest takes them; else the kernel finishes them.
            boolean large = port.maxReceiveSegment() > GuestPort.ETHERNET_FRAME;
            tun.offload(large ? TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 : 0);
        }
        reader = Thread.ofPlatform().daemon().name("jvisor-tap-" + tun.name).start(this::readLoop);
    }

    @Override
    public void transmit(ByteBuffer frame, TxOffload offload) {
        int length = frame.remaining();
        stats.increment(NetCounter.FROM_GUEST);
        stats.add(NetCounter.FROM_GUEST_BYTES, length);
        if (length < 14) {
            stats.increment(NetCounter.RUNT);
            return;
        }
        if (length > MAX_FRAME) {
            stats.increment(NetCounter.OVERSIZE);
            return;
        }
        txLock.lock();
        try {
            if (header > 0) {
                VirtioNetHeader.write(tx, offload);
            }
            txView.put(header, frame, frame.position(), length);
            long n = FdIo.write(txErrno, tun.fd, tx, header + length);
            // EAGAIN: the device's queue is full; EIO: the link is down. Either way the frame is lost, as on a wire.
            stats.increment(n == header + length ? NetCounter.ACCEPTED : NetCounter.TAP_WRITE);
        } finally {
            txLock.unlock();
        }
    }

    @Override
    public void receiveSpaceAvailable() {
        synchronized (room) {
            roomSignal = true;
            room.notifyAll();
        }
    }

    private void readLoop() {
        RxOffload last = RxOffload.NONE;
        while (running) {
            int ready = FdIo.pollIn(rxErrno, pollfd, tun.fd, POLL_MILLIS);
            if (ready <= 0) {
                continue;
            }
            long n = FdIo.read(rxErrno, tun.fd, rx, rx.byteSize());
            if (n <= header) {
                continue;       // EAGAIN after a spurious wake-up, or nothing but a header
            }
            RxOffload offload = header > 0 ? VirtioNetHeader.read(rx, last) : RxOffload.NONE;
            if (offload == null) {
                stats.increment(NetCounter.TO_GUEST_DROPPED);
                continue;
            }
            last = offload;
            deliver((int) n, offload);
        }
    }

    /** Offers the frame until the guest takes it or the backend closes. */
    private void deliver(int n, RxOffload offload) {
        while (running) {
            rxView.limit(n).position(header);
            synchronized (room) {
                roomSignal = false;
            }
            if (guest.receive(rxView, offload)) {
                stats.increment(NetCounter.TO_GUEST);
                stats.add(NetCounter.TO_GUEST_BYTES, n - header);
                return;
            }
            stats.increment(NetCounter.GUEST_FULL);
            synchronized (room) {
                if (!roomSignal && running) {
                    try {
                        room.wait(POLL_MILLIS);     // the device promises a signal; the time-out only guards a late one
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    @Override
    public NetStats stats() {
        return stats;
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        receiveSpaceAvailable();
        if (reader != null) {
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        tun.close();
        arena.close();
    }
}
