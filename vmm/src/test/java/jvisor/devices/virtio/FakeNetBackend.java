package jvisor.devices.virtio;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jvisor.net.GuestPort;
import jvisor.net.NetStats;
import jvisor.net.NetworkBackend;
import jvisor.net.TxOffload;

/** A backend for device tests: it keeps what the guest sent (or only counts it) and lets the test deliver frames. */
final class FakeNetBackend implements NetworkBackend {
    /** A transmitted frame and what its virtio header asked for. */
    record Sent(byte[] frame, boolean checksumPending, int checksumStart, int checksumOffset,
                TxOffload.Segmentation segmentation, int segmentSize, int headerLength) { }

    private final List<Sent> sent = new ArrayList<>();
    final AtomicInteger spaceSignals = new AtomicInteger();
    volatile GuestPort port;
    volatile boolean record = true;
    volatile long transmitted;
    volatile Thread transmitThread;
    int starts;

    @Override
    public synchronized void start(GuestPort guest) {
        port = guest;
        starts++;
    }

    @Override
    public void transmit(ByteBuffer frame, TxOffload o) {
        transmitThread = Thread.currentThread();
        transmitted++;
        if (record) {
            byte[] copy = new byte[frame.remaining()];
            frame.get(frame.position(), copy);
            synchronized (this) {
                sent.add(new Sent(copy, o.checksumPending(), o.checksumStart(), o.checksumOffset(), o.segmentation(),
                        o.segmentSize(), o.headerLength()));
            }
        }
    }

    synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    @Override
    public void receiveSpaceAvailable() {
        spaceSignals.incrementAndGet();
    }

    @Override
    public NetStats stats() {
        return new NetStats();
    }

    @Override
    public void close() { }
}
