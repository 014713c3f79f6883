package jvisor.engine.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jvisor.engine.MmioExit;

/**
 * The access of a KVM_EXIT_MMIO, read and written in place in {@code kvm_run.mmio}: up to eight
 * bytes of little-endian data (KVM splits wider or page-crossing accesses into several exits).
 * A read's value written here reaches the guest on the next KVM_RUN. One instance per vCPU.
 */
final class KvmMmioExit implements MmioExit {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final KvmRun run;
    private final MemorySegment mapping;
    private long address;
    private int size;
    private boolean write;

    KvmMmioExit(KvmRun run) {
        this.run = run;
        this.mapping = run.segment();
    }

    /** Reads the exit's mmio member; false if the length is not 1 to 8 bytes. */
    boolean load() {
        address = run.mmioAddress();
        size = run.mmioLength();
        write = run.mmioIsWrite();
        return size >= 1 && size <= 8;
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isWrite() {
        return write;
    }

    @Override
    public long value() {
        long data = mapping.get(U64, KvmRun.MMIO_DATA);
        return size == 8 ? data : data & ((1L << (size * 8)) - 1);
    }

    /** KVM copies only {@code size} bytes of the data array to the guest; the rest is ignored. */
    @Override
    public void setValue(long value) {
        mapping.set(U64, KvmRun.MMIO_DATA, value);
    }

    @Override
    public String toString() {
        return String.format("%s %#x size %d", write ? "write" : "read", address, size);
    }
}
