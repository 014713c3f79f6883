package jvisor.engine.emu.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.ByteOrder;

/**
 * Guest RAM as the MMU's TLB hits read and write it: at host offsets the TLB vouched for (on one
 * page of the mapping), through {@code sun.misc.Unsafe} at the mapping's address. Through the
 * {@link MemorySegment}, which is no constant in the MMU, C2 checks the segment's class, its
 * bounds and its session's liveness on each access: three loads, dependent on the segment, ahead
 * of the one that counts, about a third of {@code Mmu.read32}'s samples while Linux loads its
 * modules. Here one compare of the offset with the size stays, so an MMU bug faults the VMM
 * with an exception rather than writing outside the mapping. The mapping lives as long as the VM,
 * whose processors have stopped when it is unmapped (a segment access after that would crash
 * as well: {@link jvisor.engine.GuestMemory}'s segment is the global scope's). Where Unsafe's
 * memory access is denied ({@code --sun-misc-unsafe-memory-access=deny}, a JDK without it) or
 * the host is big-endian, every access goes through the segment. A record, so that in a region
 * compiled for C2, which holds it in a static final field, C2 folds the address and size.
 */
public record HostRam(MemorySegment segment, long address, long size) {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Null where the segment is the way. */
    @SuppressWarnings("removal")
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    /** The address and size must be the segment's. */
    public HostRam {
        if (address != segment.address() || size != segment.byteSize()) {
            throw new IllegalArgumentException("not the segment's address and size");
        }
    }

    public static HostRam of(MemorySegment segment) {
        return new HostRam(segment, segment.address(), segment.byteSize());
    }

    /** Whether accesses go through Unsafe. */
    public static boolean direct() {
        return UNSAFE != null;
    }

    @SuppressWarnings("removal")
    public int get8(long offset) {
        if (UNSAFE == null) {
            return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
        }
        return UNSAFE.getByte(at(offset, 1)) & 0xFF;
    }

    @SuppressWarnings("removal")
    public int get16(long offset) {
        if (UNSAFE == null) {
            return segment.get(U16, offset) & 0xFFFF;
        }
        return UNSAFE.getShort(at(offset, 2)) & 0xFFFF;
    }

    @SuppressWarnings("removal")
    public int get32(long offset) {
        if (UNSAFE == null) {
            return segment.get(U32, offset);
        }
        return UNSAFE.getInt(at(offset, 4));
    }

    @SuppressWarnings("removal")
    public long get64(long offset) {
        if (UNSAFE == null) {
            return segment.get(U64, offset);
        }
        return UNSAFE.getLong(at(offset, 8));
    }

    @SuppressWarnings("removal")
    public void set8(long offset, int v) {
        if (UNSAFE == null) {
            segment.set(ValueLayout.JAVA_BYTE, offset, (byte) v);
        } else {
            UNSAFE.putByte(at(offset, 1), (byte) v);
        }
    }

    @SuppressWarnings("removal")
    public void set16(long offset, int v) {
        if (UNSAFE == null) {
            segment.set(U16, offset, (short) v);
        } else {
            UNSAFE.putShort(at(offset, 2), (short) v);
        }
    }

    @SuppressWarnings("removal")
    public void set32(long offset, int v) {
        if (UNSAFE == null) {
            segment.set(U32, offset, v);
        } else {
            UNSAFE.putInt(at(offset, 4), v);
        }
    }

    @SuppressWarnings("removal")
    public void set64(long offset, long v) {
        if (UNSAFE == null) {
            segment.set(U64, offset, v);
        } else {
            UNSAFE.putLong(at(offset, 8), v);
        }
    }

    /** The host address of {@code bytes} at {@code offset}, which must lie inside the mapping. */
    private long at(long offset, int bytes) {
        if (Long.compareUnsigned(offset, size - bytes) > 0) {
            throw new IndexOutOfBoundsException("host offset 0x" + Long.toHexString(offset) + " (" + bytes
                    + " bytes) outside guest RAM of 0x" + Long.toHexString(size) + " bytes");
        }
        return address + offset;
    }

    @SuppressWarnings("removal")
    private static sun.misc.Unsafe unsafe() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return null;
        }
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
            // Denied memory access throws here rather than on the processor's first access.
            long probe = u.allocateMemory(8);
            try {
                u.putLong(probe, 0x0102_0304_0506_0708L);
                return u.getLong(probe) == 0x0102_0304_0506_0708L ? u : null;
            } finally {
                u.freeMemory(probe);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}
