package jvisor.engine.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jvisor.engine.IoExit;

/**
 * The port I/O of a KVM_EXIT_IO, read and written in place: the values live in the vCPU mapping
 * at {@code kvm_run + io.data_offset}, one after another for string instructions ({@code count > 1},
 * e.g. a REP INSB that KVM batches). An IN's values written here reach the guest on the next KVM_RUN.
 * One instance per vCPU, reloaded on every IO exit.
 */
final class KvmIoExit implements IoExit {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final KvmRun run;
    private final MemorySegment mapping;
    private int port;
    private int size;
    private boolean write;
    private int count;
    private long dataOffset;

    KvmIoExit(KvmRun run) {
        this.run = run;
        this.mapping = run.segment();
    }

    /**
     * Reads the exit's io member. Returns false if the kernel described data that is not inside
     * the mapping or an access size x86 does not have; the caller reports that as unhandled.
     */
    boolean load() {
        port = run.ioPort();
        size = run.ioSize();
        write = run.ioDirection() == KvmConst.KVM_EXIT_IO_OUT;
        count = run.ioCount();
        dataOffset = run.ioDataOffset();
        boolean sizeOk = size == 1 || size == 2 || size == 4;
        return sizeOk && count >= 1 && dataOffset >= 0
                && dataOffset <= mapping.byteSize() - (long) count * size;
    }

    @Override
    public int port() {
        return port;
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
    public int count() {
        return count;
    }

    @Override
    public int value(int i) {
        long at = slot(i);
        return switch (size) {
            case 1 -> mapping.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
            case 2 -> mapping.get(U16, at) & 0xFFFF;
            default -> mapping.get(U32, at);
        };
    }

    @Override
    public void setValue(int i, int value) {
        long at = slot(i);
        switch (size) {
            case 1 -> mapping.set(ValueLayout.JAVA_BYTE, at, (byte) value);
            case 2 -> mapping.set(U16, at, (short) value);
            default -> mapping.set(U32, at, value);
        }
    }

    private long slot(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("I/O value " + i + " of " + count);
        }
        return dataOffset + (long) i * size;
    }

    @Override
    public String toString() {
        return String.format("%s port %#06x size %d count %d", write ? "out" : "in", port, size, count);
    }
}
