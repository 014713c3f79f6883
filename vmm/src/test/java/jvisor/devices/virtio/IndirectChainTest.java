package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Chains with indirect tables, walked the way virtio 1.2, 2.7.5.3 says. */
class IndirectChainTest {
    private static final int SIZE = 16;
    private static final long DESCRIPTORS = 0x1000;
    private static final long AVAIL = 0x2000;
    private static final long USED = 0x3000;
    private static final long TABLE = 0x4000;
    private static final long INNER_TABLE = 0xC000;
    private static final long HEADER = 0x10000;
    private static final long DATA = 0x11000;
    private static final long STATUS = 0x12000;
    private static final long WITH_INDIRECT = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC;

    private final GuestMemory ram = GuestMemory.allocate(1 << 20);

    @AfterEach
    void close() {
        ram.close();
    }

    private void descriptor(long table, int i, long addr, int len, int flags, int next) {
        long at = table + 16L * i;
        ram.write64(at, addr);
        ram.write32(at + 8, len);
        ram.write16(at + 12, flags);
        ram.write16(at + 14, next);
    }

    /** Chain 0 made available, the queue opened, the chain popped. */
    private DescriptorChain pop(long features) throws VirtqueueException {
        ram.write16(AVAIL + 4, 0);
        ram.write16(AVAIL + 2, 1);
        Virtqueue queue = Virtqueue.open(ram, 0, new Virtqueue.Layout(SIZE, DESCRIPTORS, AVAIL, USED), features);
        DescriptorChain chain = queue.newChain();
        assertTrue(queue.pop(chain));
        return chain;
    }

    @Test
    void directDescriptorsFollowedByAnIndirectTableAreOneChain() throws VirtqueueException {
        descriptor(DESCRIPTORS, 0, HEADER, 16, Virtqueue.F_NEXT, 1);
        descriptor(DESCRIPTORS, 1, TABLE, 32, Virtqueue.F_INDIRECT, 0);
        descriptor(TABLE, 0, DATA, 512, Virtqueue.F_WRITE | Virtqueue.F_NEXT, 1);
        descriptor(TABLE, 1, STATUS, 1, Virtqueue.F_WRITE, 0);

        DescriptorChain chain = pop(WITH_INDIRECT);

        assertEquals(3, chain.count());
        assertEquals(1, chain.readable());
        assertEquals(16, chain.readableBytes());
        assertEquals(513, chain.writableBytes());
        assertEquals(DATA, chain.guestAddress(1));
        assertEquals(STATUS, chain.guestAddress(2));
    }

    @Test
    void aFullDirectPrefixAndAFullIndirectTableFitInOneChain() throws VirtqueueException {
        for (int i = 0; i < SIZE - 1; i++) {
            descriptor(DESCRIPTORS, i, HEADER, 16, Virtqueue.F_NEXT, i + 1);
        }
        descriptor(DESCRIPTORS, SIZE - 1, TABLE, 16 * Virtqueue.MAX_INDIRECT, Virtqueue.F_INDIRECT, 0);
        for (int i = 0; i < Virtqueue.MAX_INDIRECT; i++) {
            boolean last = i == Virtqueue.MAX_INDIRECT - 1;
            descriptor(TABLE, i, DATA + i, 1, Virtqueue.F_WRITE | (last ? 0 : Virtqueue.F_NEXT), last ? 0 : i + 1);
        }

        DescriptorChain chain = pop(WITH_INDIRECT);

        assertEquals(SIZE - 1 + Virtqueue.MAX_INDIRECT, chain.count());
        assertEquals(Virtqueue.MAX_INDIRECT, chain.writableBytes());
    }

    @Test
    void anIndirectDescriptorWithNextIsRefused() {
        descriptor(DESCRIPTORS, 0, TABLE, 32, Virtqueue.F_INDIRECT | Virtqueue.F_NEXT, 1);
        descriptor(DESCRIPTORS, 1, STATUS, 1, Virtqueue.F_WRITE, 0);
        descriptor(TABLE, 0, HEADER, 16, Virtqueue.F_NEXT, 1);
        descriptor(TABLE, 1, STATUS, 1, Virtqueue.F_WRITE, 0);

        assertThrows(VirtqueueException.class, () -> pop(WITH_INDIRECT));
    }

    @Test
    void anIndirectTableInsideAnIndirectTableIsRefused() {
        descriptor(DESCRIPTORS, 0, TABLE, 32, Virtqueue.F_INDIRECT, 0);
        descriptor(TABLE, 0, HEADER, 16, Virtqueue.F_NEXT, 1);
        descriptor(TABLE, 1, INNER_TABLE, 16, Virtqueue.F_INDIRECT, 0);
        descriptor(INNER_TABLE, 0, STATUS, 1, Virtqueue.F_WRITE, 0);

        assertThrows(VirtqueueException.class, () -> pop(WITH_INDIRECT));
    }

    @Test
    void anIndirectTableWithoutTheFeatureIsRefused() {
        descriptor(DESCRIPTORS, 0, TABLE, 16, Virtqueue.F_INDIRECT, 0);
        descriptor(TABLE, 0, STATUS, 1, Virtqueue.F_WRITE, 0);

        assertThrows(VirtqueueException.class, () -> pop(VirtioFeatures.VERSION_1));
    }
}
