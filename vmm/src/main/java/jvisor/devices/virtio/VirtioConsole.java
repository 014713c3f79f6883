package jvisor.devices.virtio;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.devices.DeviceLog;

/**
 * A virtio console with one port (virtio 1.2, 5.3; no multiport): the guest's {@code hvc0}. What
 * the guest transmits goes to the host {@link ConsolePort}; what arrives there fills the guest's
 * receive buffers, and waits (holding back the host side) while the guest has none posted.
 */
public final class VirtioConsole implements VirtioDevice {
    static final int RECEIVE = 0;
    static final int TRANSMIT = 1;
    static final int QUEUE_SIZE = 128;
    static final int CONFIG_SIZE = 12;
    static final int PCI_CLASS = 0x07_80_00;

    private final String name;
    private final ConsolePort port;
    private final DeviceLog log;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition receiveSpace = lock.newCondition();
    private final Thread input;
    private QueueWorker transmitter;
    private VirtioContext context;
    private Virtqueue receiveQueue;
    private DescriptorChain receiveChain;
    private volatile boolean closed;

    public VirtioConsole(String name, ConsolePort port, DeviceLog log) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.input = Thread.ofPlatform().name(name + "-input").daemon().start(this::inputLoop);
    }

    @Override
    public int type() {
        return VirtioFeatures.TYPE_CONSOLE;
    }

    @Override
    public int pciClass() {
        return PCI_CLASS;
    }

    @Override
    public long features() {
        return 0;
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
        return 0;
    }

    @Override
    public void start(VirtioContext ctx) {
        lock.lock();
        try {
            context = ctx;
            receiveQueue = ctx.queue(RECEIVE);
            receiveChain = receiveQueue == null ? null : receiveQueue.newChain();
            Virtqueue tx = ctx.queue(TRANSMIT);
            if (tx != null) {
                transmitter = new QueueWorker(name + "-tx", tx, ctx, this::transmit).start();
            }
            receiveSpace.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void notify(int queue) {
        if (queue == TRANSMIT) {
            QueueWorker w = transmitter;
            if (w != null) {
                w.wake();
            }
        } else {
            lock.lock();
            try {
                receiveSpace.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void reset() {
        QueueWorker w;
        lock.lock();
        try {
            w = transmitter;
            transmitter = null;
            context = null;
            receiveQueue = null;
            receiveChain = null;
        } finally {
            lock.unlock();
        }
        if (w != null) {
            w.stop();
        }
    }

    private void transmit(Virtqueue queue, DescriptorChain chain) throws VirtqueueException {
        VirtioContext ctx = context;
        byte[] buffer = new byte[4096];
        while (ctx != null && !ctx.failed() && queue.pop(chain)) {
            long total = chain.readableBytes();
            for (long done = 0; done < total; ) {
                int n = chain.read(done, buffer, 0, (int) Math.min(buffer.length, total - done));
                try {
                    port.write(buffer, 0, n);
                } catch (IOException e) {
                    log.warn("%s: %s", port.description(), e.getMessage());
                }
                done += n;
            }
            queue.push(chain.head(), 0);
            ctx.usedBuffers(queue);
        }
    }

    /** Host input: read, then hand to the guest as receive buffers become available. */
    private void inputLoop() {
        byte[] buffer = new byte[4096];
        try {
            while (!closed) {
                int n = port.read(buffer);
                if (n < 0) {
                    return;
                }
                deliver(buffer, n);
            }
        } catch (IOException e) {
            if (!closed) {
                log.warn("%s: %s", port.description(), e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deliver(byte[] data, int length) throws InterruptedException {
        int done = 0;
        lock.lock();
        try {
            while (done < length && !closed) {
                Virtqueue q = receiveQueue;
                VirtioContext ctx = context;
                boolean popped = false;
                if (q != null && ctx != null && !ctx.failed()) {
                    try {
                        popped = q.pop(receiveChain);
                    } catch (VirtqueueException e) {
                        ctx.fail(e.getMessage());
                    }
                }
                if (!popped) {
                    if (q != null && ctx != null && !ctx.failed() && !q.armNotification()) {
                        continue;
                    }
                    receiveSpace.await();
                    continue;
                }
                int n = receiveChain.write(0, data, done, length - done);
                for (int i = receiveChain.readable(); i < receiveChain.count(); i++) {
                    q.memory().deviceWrote(receiveChain.guestAddress(i), receiveChain.length(i));
                }
                done += n;
                q.push(receiveChain.head(), n);
                ctx.usedBuffers(q);
            }
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        closed = true;
        try {
            port.close();
        } catch (IOException e) {
            log.warn("closing %s: %s", port.description(), e.getMessage());
        }
        lock.lock();
        try {
            receiveSpace.signalAll();
        } finally {
            lock.unlock();
        }
        input.interrupt();
    }
}
