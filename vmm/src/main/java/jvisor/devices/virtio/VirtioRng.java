package jvisor.devices.virtio;

import java.security.SecureRandom;

/**
 * A virtio entropy device (virtio 1.2, 5.4): fills each buffer the driver offers with bytes from
 * the host's entropy source (SecureRandom, which reads the kernel's generator). One request gets
 * at most {@link #MAX_REQUEST} bytes, so a guest cannot make one request take long.
 */
public final class VirtioRng implements VirtioDevice {
    static final int QUEUE_SIZE = 64;
    static final int MAX_REQUEST = 64 * 1024;
    static final int PCI_CLASS = 0x00_FF_00;

    private final String name;
    private final SecureRandom random = new SecureRandom();
    private final byte[] scratch = new byte[4096];
    private QueueWorker worker;
    private VirtioContext context;

    public VirtioRng(String name) {
        this.name = name;
    }

    @Override
    public int type() {
        return VirtioFeatures.TYPE_RNG;
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
        return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public int readConfig(int offset, int size) {
        return 0;
    }

    @Override
    public synchronized void start(VirtioContext ctx) {
        context = ctx;
        Virtqueue q = ctx.queue(0);
        if (q != null) {
            worker = new QueueWorker(name + "-q0", q, ctx, this::drain).start();
        }
    }

    @Override
    public void notify(int queue) {
        QueueWorker w = worker;
        if (w != null) {
            w.wake();
        }
    }

    @Override
    public synchronized void reset() {
        if (worker != null) {
            worker.stop();
            worker = null;
        }
        context = null;
    }

    private void drain(Virtqueue queue, DescriptorChain chain) throws VirtqueueException {
        VirtioContext ctx = context;
        while (!ctx.failed() && queue.pop(chain)) {
            long want = Math.min(chain.writableBytes(), MAX_REQUEST);
            long done = 0;
            while (done < want) {
                int n = (int) Math.min(scratch.length, want - done);
                random.nextBytes(scratch);
                done += chain.write(done, scratch, 0, n);
            }
            for (int i = chain.readable(); i < chain.count(); i++) {
                queue.memory().deviceWrote(chain.guestAddress(i), Math.min(chain.length(i), want));
            }
            queue.push(chain.head(), (int) done);
            ctx.usedBuffers(queue);
        }
    }
}
