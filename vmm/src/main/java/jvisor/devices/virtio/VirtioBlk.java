package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jvisor.devices.DeviceLog;
import jvisor.engine.GuestMemory;
import jvisor.storage.BlockBackend;
import jvisor.storage.StorageException;

/**
 * A virtio block device (virtio 1.2, 5.2) over a {@link BlockBackend}: read, write, flush, get-id,
 * discard and write-zeroes, one queue per processor, each served by its own worker thread off the
 * processor threads, so queues complete independently of each other. A flush returns only once
 * the backend made every earlier write durable. Requests the guest gets wrong (out of range,
 * unaligned, too short) complete with an I/O error; a broken queue fails the device.
 */
public final class VirtioBlk implements VirtioDevice {
    public static final long F_SEG_MAX = 1L << 2;
    public static final long F_RO = 1L << 5;
    public static final long F_BLK_SIZE = 1L << 6;
    public static final long F_FLUSH = 1L << 9;
    public static final long F_MQ = 1L << 12;
    public static final long F_DISCARD = 1L << 13;
    public static final long F_WRITE_ZEROES = 1L << 14;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    static final int QUEUE_SIZE = 256;
    /** Data segments per request; a chain adds the header and the status. */
    static final int SEG_MAX = 126;
    static final int ID_BYTES = 20;
    static final int HEADER = 16;
    static final int MAX_DISCARD_SEGMENTS = 32;
    static final int MAX_DISCARD_SECTORS = 1 << 22;
    static final int CONFIG_SIZE = 0x3C;
    static final int PCI_CLASS = 0x01_80_00;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final BlockBackend backend;
    private final int queues;
    private final byte[] id;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final DeviceLog log;
    private QueueWorker[] workers = new QueueWorker[0];
    private VirtioContext context;

    public VirtioBlk(String name, BlockBackend backend, int queues, String serial, DeviceLog log) {
        if (queues < 1 || queues > 64) {
            throw new IllegalArgumentException("virtio-blk queues: " + queues);
        }
        this.name = name;
        this.backend = backend;
        this.queues = queues;
        this.log = log;
        this.id = java.util.Arrays.copyOf(serial.getBytes(StandardCharsets.US_ASCII), ID_BYTES);
        MemorySegment c = MemorySegment.ofArray(config);
        c.set(U64, 0x00, backend.size() / BlockBackend.SECTOR);
        c.set(U32, 0x0C, SEG_MAX);
        c.set(U32, 0x14, backend.blockSize());
        c.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0x22, (short) queues);
        c.set(U32, 0x24, MAX_DISCARD_SECTORS);
        c.set(U32, 0x28, MAX_DISCARD_SEGMENTS);
        c.set(U32, 0x2C, 1);
        c.set(U32, 0x30, MAX_DISCARD_SECTORS);
        c.set(U32, 0x34, MAX_DISCARD_SEGMENTS);
        config[0x38] = 1;
    }

    @Override
    public int type() {
        return VirtioFeatures.TYPE_BLOCK;
    }

    @Override
    public int pciClass() {
        return PCI_CLASS;
    }

    @Override
    public long features() {
        long f = F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_MQ;
        if (backend.readOnly()) {
            return f | F_RO;
        }
        f |= F_WRITE_ZEROES;
        return backend.canDiscard() ? f | F_DISCARD : f;
    }

    @Override
    public int queueCount() {
        return queues;
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
            value = value << 8 | config[offset + k] & 0xFF;
        }
        return value;
    }

    @Override
    public synchronized void start(VirtioContext ctx) {
        context = ctx;
        QueueWorker[] started = new QueueWorker[queues];
        for (int q = 0; q < queues; q++) {
            Virtqueue queue = ctx.queue(q);
            if (queue != null) {
                started[q] = new QueueWorker(name + "-q" + q, queue, ctx, this::drain).start();
            }
        }
        workers = started;
    }

    @Override
    public void notify(int queue) {
        QueueWorker[] w = workers;
        if (queue < w.length && w[queue] != null) {
            w[queue].wake();
        }
    }

    @Override
    public synchronized void reset() {
        for (QueueWorker w : workers) {
            if (w != null) {
                w.stop();
            }
        }
        workers = new QueueWorker[0];
        context = null;
    }

    private void drain(Virtqueue queue, DescriptorChain chain) throws VirtqueueException {
        VirtioContext ctx = context;
        while (!ctx.failed() && queue.pop(chain)) {
            int written = serve(chain, queue.memory());
            queue.push(chain.head(), written);
            ctx.usedBuffers(queue);
        }
    }

    /** Serves one request; returns the bytes written into its writable buffers (data and status). */
    int serve(DescriptorChain chain, GuestMemory memory) throws VirtqueueException {
        if (chain.readableBytes() < HEADER || chain.writableBytes() < 1) {
            throw new VirtqueueException("request without a header or a status byte (" + chain + ")");
        }
        int type = readInt(chain, 0);
        long sector = readLong(chain, 8);
        long dataWritten = 0;
        int status;
        try {
            switch (type) {
                case T_IN -> {
                    dataWritten = transfer(chain, sector, true, memory);
                    status = dataWritten < 0 ? S_IOERR : S_OK;
                    dataWritten = Math.max(dataWritten, 0);
                }
                case T_OUT -> status = backend.readOnly() ? S_IOERR : transfer(chain, sector, false, memory) < 0 ? S_IOERR : S_OK;
                case T_FLUSH -> {
                    backend.flush();
                    status = S_OK;
                }
                case T_GET_ID -> {
                    dataWritten = chain.write(0, id, 0, (int) Math.min(ID_BYTES, chain.writableBytes() - 1));
                    markWritten(chain, memory, 0, dataWritten);
                    status = S_OK;
                }
                case T_DISCARD, T_WRITE_ZEROES -> status = backend.readOnly() ? S_IOERR : ranges(chain, type);
                default -> status = S_UNSUPP;
            }
        } catch (StorageException e) {
            log.warn("%s", e.getMessage());
            status = S_IOERR;
        }
        writeStatus(chain, status, memory);
        return (int) Math.min(dataWritten + 1, Integer.MAX_VALUE);
    }

    /**
     * Moves the data of a read or write between the backend and the request's buffers. Returns
     * the bytes moved, or -1 if the request is out of range or not in whole sectors.
     */
    private long transfer(DescriptorChain chain, long sector, boolean toGuest, GuestMemory memory) {
        long bytes = toGuest ? chain.writableBytes() - 1 : chain.readableBytes() - HEADER;
        long offset = sector * BlockBackend.SECTOR;
        if (bytes % BlockBackend.SECTOR != 0 || sector < 0 || sector > backend.size() / BlockBackend.SECTOR
                || offset + bytes > backend.size()) {
            return -1;
        }
        MemorySegment ram = chain.ram();
        long position = offset;
        long remaining = bytes;
        long skip = toGuest ? 0 : HEADER;
        int first = toGuest ? chain.readable() : 0;
        int last = toGuest ? chain.count() : chain.readable();
        for (int i = first; i < last && remaining > 0; i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, remaining);
            MemorySegment buffer = ram.asSlice(chain.hostOffset(i) + skip, n);
            if (toGuest) {
                backend.read(position, buffer);
                memory.deviceWrote(chain.guestAddress(i) + skip, n);
            } else {
                backend.write(position, buffer);
            }
            position += n;
            remaining -= n;
            skip = 0;
        }
        return bytes;
    }

    /** Discard and write-zeroes: segments of {sector, count, flags} after the header. */
    private int ranges(DescriptorChain chain, int type) {
        long bytes = chain.readableBytes() - HEADER;
        if (bytes == 0 || bytes % 16 != 0 || bytes / 16 > MAX_DISCARD_SEGMENTS) {
            return S_IOERR;
        }
        for (long at = HEADER; at < HEADER + bytes; at += 16) {
            long sector = readLong(chain, at);
            long count = readInt(chain, at + 8) & 0xFFFF_FFFFL;
            int flags = readInt(chain, at + 12);
            if (count > MAX_DISCARD_SECTORS || sector < 0 || (flags & ~1) != 0
                    || sector + count > backend.size() / BlockBackend.SECTOR) {
                return S_IOERR;
            }
        }
        for (long at = HEADER; at < HEADER + bytes; at += 16) {
            long offset = readLong(chain, at) * BlockBackend.SECTOR;
            long length = (readInt(chain, at + 8) & 0xFFFF_FFFFL) * BlockBackend.SECTOR;
            if (type == T_DISCARD) {
                backend.discard(offset, length);
            } else {
                backend.writeZeroes(offset, length, (readInt(chain, at + 12) & 1) != 0);
            }
        }
        return S_OK;
    }

    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[8]);

    private static int readInt(DescriptorChain chain, long offset) {
        byte[] b = SCRATCH.get();
        chain.read(offset, b, 0, 4);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    private static long readLong(DescriptorChain chain, long offset) {
        return readInt(chain, offset) & 0xFFFF_FFFFL | (long) readInt(chain, offset + 4) << 32;
    }

    /** The status is the last byte of the writable part (empty trailing buffers aside). */
    private static void writeStatus(DescriptorChain chain, int status, GuestMemory memory) {
        for (int i = chain.count() - 1; i >= chain.readable(); i--) {
            long len = chain.length(i);
            if (len > 0) {
                chain.ram().set(ValueLayout.JAVA_BYTE, chain.hostOffset(i) + len - 1, (byte) status);
                memory.deviceWrote(chain.guestAddress(i) + len - 1, 1);
                return;
            }
        }
    }

    /** Tells the engine about {@code bytes} written from {@code offset} of the writable part. */
    private static void markWritten(DescriptorChain chain, GuestMemory memory, long offset, long bytes) {
        long skip = offset;
        long remaining = bytes;
        for (int i = chain.readable(); i < chain.count() && remaining > 0; i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, remaining);
            memory.deviceWrote(chain.guestAddress(i) + skip, n);
            remaining -= n;
            skip = 0;
        }
    }

    public BlockBackend backend() {
        return backend;
    }
}
