package jvisor.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jvisor.engine.GuestMemory;

/**
 * A split virtqueue (virtio 1.2, 2.7) as the device sees it: it takes chains from the available
 * ring and returns them through the used ring, with indirect descriptors and event-index
 * notification suppression when negotiated. Everything in the rings is written by the guest and
 * checked here: ring placement when the queue is enabled, every index, every descriptor's
 * buffer, chain length (which also catches loops) and the order of readable and writable parts.
 *
 * <p>One thread pops (the queue's worker); completions may come from any thread and are
 * serialized on the used ring.
 */
public final class Virtqueue {
    static final int DESCRIPTOR_SIZE = 16;
    static final int F_NEXT = 1;
    static final int F_WRITE = 2;
    static final int F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int USED_F_NO_NOTIFY = 1;
    /** An indirect table holds at most this many descriptors (Linux uses up to the queue size). */
    static final int MAX_INDIRECT = 1024;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestMemory memory;
    private final MemorySegment ram;
    private final int index;
    private final int size;
    private final boolean indirect;
    private final boolean eventIndex;
    private final long descriptors;
    private final long avail;
    private final long used;
    private int nextAvail;
    private int usedIndex;
    private int signalledUsed;
    private boolean signalledValid;
    private long interrupts;

    /** The ring areas as the driver placed them, checked: each must be aligned and lie in RAM. */
    public record Layout(int size, long descriptors, long driver, long device) {
        /** Bytes of each area for {@code size} entries (with the event fields). */
        static long descriptorBytes(int size) {
            return (long) size * DESCRIPTOR_SIZE;
        }

        static long availBytes(int size) {
            return 6 + 2L * size;
        }

        static long usedBytes(int size) {
            return 6 + 8L * size;
        }
    }

    private Virtqueue(GuestMemory memory, int index, int size, long descriptors, long avail, long used,
                      boolean indirect, boolean eventIndex) {
        this.memory = memory;
        this.ram = memory.segment();
        this.index = index;
        this.size = size;
        this.descriptors = descriptors;
        this.avail = avail;
        this.used = used;
        this.indirect = indirect;
        this.eventIndex = eventIndex;
    }

    /** Checks {@code layout} and opens the queue on it; a VirtqueueException says what is wrong. */
    public static Virtqueue open(GuestMemory memory, int index, Layout layout, long features)
            throws VirtqueueException {
        int size = layout.size();
        if (size < 1 || size > 32768 || Integer.bitCount(size) != 1) {
            throw new VirtqueueException("queue " + index + ": size " + size + " is not a power of two up to 32768");
        }
        long d = area(memory, index, "descriptor table", layout.descriptors(), Layout.descriptorBytes(size), 16);
        long a = area(memory, index, "driver area", layout.driver(), Layout.availBytes(size), 2);
        long u = area(memory, index, "device area", layout.device(), Layout.usedBytes(size), 4);
        return new Virtqueue(memory, index, size, d, a, u, (features & VirtioFeatures.RING_INDIRECT_DESC) != 0,
                (features & VirtioFeatures.RING_EVENT_IDX) != 0);
    }

    private static long area(GuestMemory memory, int index, String what, long gpa, long bytes, int align)
            throws VirtqueueException {
        if ((gpa & (align - 1)) != 0) {
            throw new VirtqueueException(String.format("queue %d: %s at %#x is not %d-byte aligned", index, what, gpa, align));
        }
        long host = memory.hostOffset(gpa, bytes);
        if (host < 0) {
            throw new VirtqueueException(String.format("queue %d: %s at %#x (+%d) is not in RAM", index, what, gpa, bytes));
        }
        return host;
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    /**
     * A chain that can hold any chain this queue accepts: direct descriptors, and after them
     * perhaps one indirect table's worth.
     */
    public DescriptorChain newChain() {
        return new DescriptorChain(ram, size + (indirect ? MAX_INDIRECT : 0));
    }

    private int availIndex() {
        int value = ram.get(U16, avail + 2) & 0xFFFF;
        VarHandle.acquireFence();                       // read the ring entries after the index
        return value;
    }

    /** Whether the driver made chains available that were not popped yet. */
    public boolean hasAvailable() {
        return availIndex() != nextAvail;
    }

    /**
     * Takes the next available chain into {@code chain}; false if there is none. A malformed
     * chain throws, and the queue is then unusable until the device is reset.
     */
    public boolean pop(DescriptorChain chain) throws VirtqueueException {
        int availIdx = availIndex();
        int pending = (availIdx - nextAvail) & 0xFFFF;
        if (pending == 0) {
            return false;
        }
        if (pending > size) {
            throw new VirtqueueException(String.format("queue %d: available index jumped from %d to %d (size %d)",
                    index, nextAvail, availIdx, size));
        }
        int head = ram.get(U16, avail + 4 + 2L * (nextAvail & (size - 1))) & 0xFFFF;
        nextAvail = (nextAvail + 1) & 0xFFFF;
        walk(head, chain);
        return true;
    }

    private void walk(int head, DescriptorChain chain) throws VirtqueueException {
        chain.clear();
        chain.setHead(head);
        if (head >= size) {
            throw new VirtqueueException("queue " + index + ": head descriptor " + head + " is beyond the table");
        }
        long table = descriptors;
        int tableSize = size;
        int next = head;
        boolean inIndirect = false;
        int visited = 0;
        boolean sawWritable = false;
        while (true) {
            if (++visited > tableSize) {
                throw new VirtqueueException("queue " + index + ": descriptor chain from " + head
                        + " loops or is longer than its table (" + tableSize + ")");
            }
            long at = table + (long) next * DESCRIPTOR_SIZE;
            long addr = ram.get(U64, at);
            int len = ram.get(U32, at + 8);
            int flags = ram.get(U16, at + 12) & 0xFFFF;
            int following = ram.get(U16, at + 14) & 0xFFFF;
            // Direct descriptors may come before the indirect one (2.7.5.3.2), but none after it.
            if ((flags & F_INDIRECT) != 0) {
                if (!indirect || inIndirect || (flags & F_NEXT) != 0) {
                    throw new VirtqueueException("queue " + index + ": descriptor " + next
                            + " is an indirect table where none may be (not negotiated, nested, or with NEXT)");
                }
                long bytes = Integer.toUnsignedLong(len);
                if (bytes == 0 || bytes % DESCRIPTOR_SIZE != 0 || bytes / DESCRIPTOR_SIZE > MAX_INDIRECT) {
                    throw new VirtqueueException("queue " + index + ": indirect table of " + bytes + " bytes");
                }
                long host = memory.hostOffset(addr, bytes);
                if (host < 0) {
                    throw new VirtqueueException(String.format("queue %d: indirect table at %#x (+%d) is not in RAM",
                            index, addr, bytes));
                }
                table = host;
                tableSize = (int) (bytes / DESCRIPTOR_SIZE);
                inIndirect = true;
                visited = 0;
                next = 0;
                continue;
            }
            boolean writable = (flags & F_WRITE) != 0;
            if (!writable && sawWritable) {
                throw new VirtqueueException("queue " + index + ": a device-readable buffer follows a writable one");
            }
            sawWritable |= writable;
            long host = memory.hostOffset(addr, Integer.toUnsignedLong(len));
            if (host < 0) {
                throw new VirtqueueException(String.format("queue %d: buffer at %#x (+%d) is not in RAM", index, addr,
                        Integer.toUnsignedLong(len)));
            }
            if (chain.count() == chain.capacity()) {
                throw new VirtqueueException("queue " + index + ": chain longer than " + chain.capacity());
            }
            chain.add(addr, host, len, writable);
            if ((flags & F_NEXT) == 0) {
                return;
            }
            if (following >= tableSize) {
                throw new VirtqueueException("queue " + index + ": descriptor " + next + " links to " + following
                        + ", beyond its table");
            }
            next = following;
        }
    }

    /**
     * Returns chain {@code head} to the driver with {@code written} bytes written into its
     * writable buffers. From any thread.
     */
    public synchronized void push(int head, int written) {
        long element = used + 4 + 8L * (usedIndex & (size - 1));
        ram.set(U32, element, head);
        ram.set(U32, element + 4, written);
        usedIndex = (usedIndex + 1) & 0xFFFF;
        VarHandle.releaseFence();                       // the element before the index
        ram.set(U16, used + 2, (short) usedIndex);
    }

    /**
     * Whether the driver wants an interrupt for what was pushed since the last time this said
     * yes: its used_event index with EVENT_IDX, else the NO_INTERRUPT flag.
     */
    public synchronized boolean needsInterrupt() {
        VarHandle.fullFence();                          // our used index before its suppression fields
        int now = usedIndex;
        int old = signalledUsed;
        boolean valid = signalledValid;
        signalledUsed = now;
        signalledValid = true;
        boolean wanted;
        if (!eventIndex) {
            wanted = (ram.get(U16, avail) & AVAIL_F_NO_INTERRUPT) == 0;
        } else {
            int event = ram.get(U16, avail + 4 + 2L * size) & 0xFFFF;
            wanted = !valid || ((now - event - 1) & 0xFFFF) < ((now - old) & 0xFFFF);
        }
        if (wanted) {
            interrupts++;
        }
        return wanted;
    }

    /**
     * Whether the driver turned its used-buffer interrupts off (NO_INTERRUPT without event index),
     * as a driver that polls the used ring does. With event index the flag means nothing, and
     * Linux, which always negotiates it, waits for an interrupt.
     */
    public boolean driverPolls() {
        return !eventIndex && (ram.get(U16, avail) & AVAIL_F_NO_INTERRUPT) != 0;
    }

    /** How many times {@link #needsInterrupt} said yes (for stats). */
    public synchronized long interrupts() {
        return interrupts;
    }

    /**
     * Before the worker sleeps: asks the driver to notify when it adds a chain (avail_event with
     * EVENT_IDX, else clears NO_NOTIFY), then looks again. True if the queue is still empty and
     * the worker may sleep; false if a chain arrived meanwhile.
     */
    public boolean armNotification() {
        if (eventIndex) {
            ram.set(U16, used + 4 + 8L * size, (short) nextAvail);
        } else {
            ram.set(U16, used, (short) 0);
        }
        VarHandle.fullFence();
        return !hasAvailable();
    }

    /** While the worker is busy: the driver need not notify (without EVENT_IDX; with it the index says so). */
    public void suppressNotification() {
        if (!eventIndex) {
            ram.set(U16, used, (short) USED_F_NO_NOTIFY);
        }
    }

    /** How many chains the worker popped so far, modulo 2^16 (for tests and stats). */
    public int nextAvail() {
        return nextAvail;
    }

    public GuestMemory memory() {
        return memory;
    }
}
