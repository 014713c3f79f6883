package jvisor.devices.pci;

import jvisor.bus.MmioHandler;
import jvisor.bus.MsiSink;

/**
 * MSI-X (PCI Local Bus 3.0, 6.8.2): a table of message address/data pairs and a pending-bit array
 * in one of the function's memory BARs, switched by the capability's message control word. A
 * device raises vector n with {@link #signal}; a masked vector (by its entry or the function
 * mask) only sets its pending bit, and unmasking sends what is pending. Table entries start
 * masked. All state is guest-controlled: indices are bounds-checked, unknown offsets read zero.
 */
public final class Msix implements MmioHandler {
    public static final int ENTRY_SIZE = 16;
    /** The vector number a driver writes to mean "no vector" (virtio's VIRTIO_MSI_NO_VECTOR too). */
    public static final int NO_VECTOR = 0xFFFF;
    static final int MAX_VECTORS = 2048;
    private static final int VECTOR_MASKED = 1;

    private final int vectors;
    private final long pbaOffset;
    private final int[] table;
    private final long[] pending;
    private MsiSink sink = MsiSink.NONE;
    private boolean enabled;
    private boolean functionMask;
    private boolean busMaster;
    private long dropped;

    /** {@code vectors} entries; the table at BAR offset 0, the PBA at {@code pbaOffset}. */
    public Msix(int vectors, long pbaOffset) {
        if (vectors < 1 || vectors > MAX_VECTORS) {
            throw new IllegalArgumentException("MSI-X has 1 to 2048 vectors, not " + vectors);
        }
        if (pbaOffset < (long) vectors * ENTRY_SIZE || (pbaOffset & 7) != 0) {
            throw new IllegalArgumentException("the PBA overlaps the table or is unaligned");
        }
        this.vectors = vectors;
        this.pbaOffset = pbaOffset;
        this.table = new int[vectors * 4];
        this.pending = new long[(vectors + 63) / 64];
        for (int v = 0; v < vectors; v++) {
            table[v * 4 + 3] = VECTOR_MASKED;
        }
    }

    /** The bytes a BAR needs for table and PBA: a power of two. */
    public long barSize() {
        long need = pbaOffset + pending.length * 8L;
        return Math.max(Long.highestOneBit(need - 1) << 1, 0x1000);
    }

    public int vectors() {
        return vectors;
    }

    long pbaOffset() {
        return pbaOffset;
    }

    synchronized void connect(MsiSink target) {
        sink = target;
    }

    /** The message control word's enable and function-mask bits changed, or bus mastering did. */
    synchronized void control(boolean enable, boolean mask, boolean master) {
        enabled = enable;
        functionMask = mask;
        busMaster = master;
        sendPending();
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    /**
     * Raises vector {@code vector}: sends its message, or marks it pending while masked. A vector
     * beyond the table (or {@link #NO_VECTOR}) raises nothing. Call only while {@link #enabled()}.
     */
    public synchronized void signal(int vector) {
        if (!enabled || vector < 0 || vector >= vectors) {
            return;
        }
        if (functionMask || (table[vector * 4 + 3] & VECTOR_MASKED) != 0) {
            pending[vector >>> 6] |= 1L << vector;
            return;
        }
        send(vector);
    }

    /** Messages that could not be sent because the function may not master the bus. */
    public synchronized long dropped() {
        return dropped;
    }

    private void send(int vector) {
        if (!busMaster) {
            dropped++;
            return;
        }
        long address = table[vector * 4] & 0xFFFF_FFFFL | (long) table[vector * 4 + 1] << 32;
        sink.signal(address, table[vector * 4 + 2]);
    }

    private void sendPending() {
        if (!enabled || functionMask) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            long bit = 1L << v;
            if ((pending[v >>> 6] & bit) != 0 && (table[v * 4 + 3] & VECTOR_MASKED) == 0) {
                pending[v >>> 6] &= ~bit;
                send(v);
            }
        }
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (size == 8) {
            return read32(offset) & 0xFFFF_FFFFL | (long) read32(offset + 4) << 32;
        }
        if (size != 4 || (offset & 3) != 0) {
            return 0;
        }
        return read32(offset) & 0xFFFF_FFFFL;
    }

    private int read32(long offset) {
        if (offset >= 0 && offset < (long) vectors * ENTRY_SIZE) {
            return table[(int) (offset >>> 2)];
        }
        long p = offset - pbaOffset;
        if (p >= 0 && p < pending.length * 8L) {
            long word = pending[(int) (p >>> 3)];
            return (int) ((p & 4) == 0 ? word : word >>> 32);
        }
        return 0;
    }

    /** Only 32- and 64-bit aligned writes reach the table; the PBA is read-only. */
    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size == 8 && (offset & 7) == 0) {
            write32(offset, (int) value);
            write32(offset + 4, (int) (value >>> 32));
        } else if (size == 4 && (offset & 3) == 0) {
            write32(offset, (int) value);
        }
    }

    private void write32(long offset, int value) {
        if (offset < 0 || offset >= (long) vectors * ENTRY_SIZE) {
            return;
        }
        int index = (int) (offset >>> 2);
        if ((index & 3) == 3) {
            table[index] = value & VECTOR_MASKED;
            sendPending();
        } else {
            table[index] = value;
        }
    }
}
