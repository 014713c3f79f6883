package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.GuestMemory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The split ring as the device reads it, with the rules a hostile driver breaks. */
class VirtqueueTest {
    /** Shared by the JUnit tests and the jqwik property, which run in separate engines: never unmapped. */
    private static final GuestMemory RAM = GuestMemory.allocate(4L << 20);
    static final int SIZE = 8;
    static final long DESC = 0x1000;
    static final long AVAIL = 0x2000;
    static final long USED = 0x3000;
    static final long INDIRECT = 0x4000;
    static final long BUF = 0x10000;
    static final int NEXT = Virtqueue.F_NEXT;
    static final int WRITE = Virtqueue.F_WRITE;
    static final int INDIRECT_FLAG = Virtqueue.F_INDIRECT;

    private static Virtqueue open(long features) throws VirtqueueException {
        RAM.fill(0, 0x20000, (byte) 0);
        return Virtqueue.open(RAM, 0, new Virtqueue.Layout(SIZE, DESC, AVAIL, USED), features);
    }

    private static Virtqueue open() throws VirtqueueException {
        return open(VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX);
    }

    private static void desc(long table, int i, long addr, int len, int flags, int next) {
        long at = table + 16L * i;
        RAM.write64(at, addr);
        RAM.write32(at + 8, len);
        RAM.write16(at + 12, flags);
        RAM.write16(at + 14, next);
    }

    private static void avail(int... heads) {
        for (int i = 0; i < heads.length; i++) {
            RAM.write16(AVAIL + 4 + 2L * i, heads[i]);
        }
        RAM.write16(AVAIL + 2, heads.length);
    }

    private static String fails(Virtqueue q) {
        return assertThrows(VirtqueueException.class, () -> q.pop(q.newChain())).getMessage();
    }

    @Test
    void aChainIsReadableBuffersThenWritableOnes() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, BUF, 16, NEXT, 5);
        desc(DESC, 5, BUF + 0x100, 512, NEXT | WRITE, 2);
        desc(DESC, 2, BUF + 0x300, 1, WRITE, 0);
        avail(0);
        DescriptorChain c = q.newChain();
        assertTrue(q.pop(c));
        assertEquals(0, c.head());
        assertEquals(3, c.count());
        assertEquals(1, c.readable());
        assertEquals(16, c.readableBytes());
        assertEquals(513, c.writableBytes());
        assertEquals(BUF + 0x100, c.guestAddress(1));
        assertFalse(q.pop(c), "nothing more available");
    }

    @Test
    void anIndirectTableStandsForTheWholeChain() throws Exception {
        Virtqueue q = open();
        desc(INDIRECT, 0, BUF, 16, NEXT, 1);
        desc(INDIRECT, 1, BUF + 0x100, 1, WRITE, 0);
        desc(DESC, 3, INDIRECT, 32, INDIRECT_FLAG, 0);
        avail(3);
        DescriptorChain c = q.newChain();
        assertTrue(q.pop(c));
        assertEquals(3, c.head());
        assertEquals(2, c.count());
    }

    @Test
    void usedElementsAndTheIndexReachTheDriver() throws Exception {
        Virtqueue q = open();
        q.push(4, 513);
        q.push(1, 0);
        assertEquals(2, RAM.read16(USED + 2));
        assertEquals(4, RAM.read32(USED + 4));
        assertEquals(513, RAM.read32(USED + 8));
        assertEquals(1, RAM.read32(USED + 12));
    }

    @Test
    void eventIndexAsksForAnInterruptOnlyWhenTheDriversEventIsCrossed() throws Exception {
        Virtqueue q = open();
        RAM.write16(AVAIL + 4 + 2L * SIZE, 1);          // used_event: interrupt once used idx passes 1
        q.push(0, 1);
        assertTrue(q.needsInterrupt(), "the first decision always interrupts");
        q.push(1, 1);
        assertTrue(q.needsInterrupt(), "used idx went 1 -> 2, crossing event 1");
        q.push(2, 1);
        assertFalse(q.needsInterrupt(), "2 -> 3 does not cross 1");
    }

    @Test
    void eventIndexComparesAcrossTheWrapOfTheSixteenBitIndices() throws Exception {
        Virtqueue q = open();
        for (int i = 0; i < 0xFFFE; i++) {
            q.push(0, 1);                               // used idx runs up to 0xFFFE
        }
        RAM.write16(AVAIL + 4 + 2L * SIZE, 0xFFFE);
        assertTrue(q.needsInterrupt(), "the first decision always interrupts");
        RAM.write16(AVAIL + 4 + 2L * SIZE, 0);          // the driver wants to hear when used idx passes 0
        q.push(0, 1);
        assertFalse(q.needsInterrupt(), "0xFFFE -> 0xFFFF does not cross 0");
        q.push(0, 1);
        assertFalse(q.needsInterrupt(), "0xFFFF -> 0 reaches 0 but does not pass it");
        q.push(0, 1);
        assertTrue(q.needsInterrupt(), "0 -> 1 passes 0, across the wrap");
        RAM.write16(AVAIL + 4 + 2L * SIZE, 0xFFF0);     // an event far behind: already crossed long ago
        q.push(0, 1);
        assertFalse(q.needsInterrupt(), "1 -> 2 does not cross 0xFFF0 (it was crossed before the last interrupt)");
        RAM.write16(AVAIL + 4 + 2L * SIZE, 2);
        for (int i = 0; i < 3; i++) {
            q.push(0, 1);                               // 2 -> 5 in one batch, crossing 2 on the way
        }
        assertTrue(q.needsInterrupt(), "a batch that steps over the event interrupts once");
        assertEquals(5, RAM.read16(USED + 2), "used idx wrapped to 5");
    }

    @Test
    void withoutEventIndexTheNoInterruptFlagDecides() throws Exception {
        Virtqueue q = open(0);
        q.push(0, 1);
        assertTrue(q.needsInterrupt());
        RAM.write16(AVAIL, Virtqueue.AVAIL_F_NO_INTERRUPT);
        q.push(1, 1);
        assertFalse(q.needsInterrupt());
    }

    @Test
    void aDriverThatTurnedItsInterruptsOffPollsTheUsedRing() throws Exception {
        Virtqueue plain = open(0);
        assertFalse(plain.driverPolls());
        RAM.write16(AVAIL, Virtqueue.AVAIL_F_NO_INTERRUPT);
        assertTrue(plain.driverPolls(), "NO_INTERRUPT without event index: the driver polls");
        Virtqueue indexed = open();
        assertFalse(indexed.driverPolls(), "with event index the flag is ignored (2.7.7.2), so the driver waits for an interrupt");
        RAM.write16(AVAIL, 0);
    }

    @Test
    void beforeSleepingTheDeviceAsksToBeNotifiedAtTheNextIndex() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, BUF, 1, WRITE, 0);
        avail(0);
        q.pop(q.newChain());
        assertTrue(q.armNotification());
        assertEquals(1, RAM.read16(USED + 4 + 8L * SIZE), "avail_event");
        RAM.write16(AVAIL + 4 + 2, 0);
        RAM.write16(AVAIL + 2, 2);
        assertFalse(q.armNotification(), "a chain arrived meanwhile");
    }

    @Test
    void ringsMustBeAlignedAndInRam() {
        assertThrows(VirtqueueException.class,
                () -> Virtqueue.open(RAM, 0, new Virtqueue.Layout(SIZE, DESC + 8, AVAIL, USED), 0));
        assertThrows(VirtqueueException.class,
                () -> Virtqueue.open(RAM, 0, new Virtqueue.Layout(SIZE, DESC, AVAIL, 0x7FFF_0000_0000L), 0));
        assertThrows(VirtqueueException.class,
                () -> Virtqueue.open(RAM, 0, new Virtqueue.Layout(SIZE, DESC, RAM.size() - 4, USED), 0));
        assertThrows(VirtqueueException.class,
                () -> Virtqueue.open(RAM, 0, new Virtqueue.Layout(12, DESC, AVAIL, USED), 0));
        assertThrows(VirtqueueException.class,
                () -> Virtqueue.open(RAM, 0, new Virtqueue.Layout(0, DESC, AVAIL, USED), 0));
    }

    @Test
    void aBufferOutsideRamIsRefused() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, 0x7FFF_FFFF_0000L, 16, 0, 0);
        avail(0);
        assertTrue(fails(q).contains("not in RAM"));
    }

    @Test
    void aBufferRunningPastTheEndOfRamIsRefused() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, RAM.size() - 8, 16, 0, 0);
        avail(0);
        assertTrue(fails(q).contains("not in RAM"));
    }

    @Test
    void aLoopIsCaught() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, BUF, 1, NEXT, 1);
        desc(DESC, 1, BUF, 1, NEXT, 0);
        avail(0);
        assertTrue(fails(q).contains("loops"));
    }

    @Test
    void indicesBeyondTheTableAreRefused() throws Exception {
        Virtqueue q = open();
        avail(SIZE);
        assertTrue(fails(q).contains("beyond"));
        q = open();
        desc(DESC, 0, BUF, 1, NEXT, SIZE + 3);
        avail(0);
        assertTrue(fails(q).contains("beyond"));
    }

    @Test
    void theAvailableIndexCannotRunAheadByMoreThanTheQueue() throws Exception {
        Virtqueue q = open();
        RAM.write16(AVAIL + 2, SIZE + 1);
        assertTrue(fails(q).contains("jumped"));
    }

    @Test
    void readableAfterWritableIsRefused() throws Exception {
        Virtqueue q = open();
        desc(DESC, 0, BUF, 1, NEXT | WRITE, 1);
        desc(DESC, 1, BUF, 1, 0, 0);
        avail(0);
        assertTrue(fails(q).contains("follows a writable"));
    }

    @Test
    void indirectTablesFollowTheirRules() throws Exception {
        Virtqueue q = open(0);
        desc(DESC, 0, INDIRECT, 16, INDIRECT_FLAG, 0);
        avail(0);
        assertTrue(fails(q).contains("indirect"), "not negotiated");
        for (int[] bad : new int[][] {{15, INDIRECT_FLAG}, {0, INDIRECT_FLAG}, {16 * 2000, INDIRECT_FLAG},
                {16, INDIRECT_FLAG | NEXT}}) {
            q = open();
            desc(DESC, 0, INDIRECT, bad[0], bad[1], 1);
            desc(DESC, 1, BUF, 1, WRITE, 0);
            avail(0);
            fails(q);
        }
        q = open();
        desc(DESC, 0, 0x7FFF_0000_0000L, 32, INDIRECT_FLAG, 0);
        avail(0);
        assertTrue(fails(q).contains("not in RAM"));
        q = open();
        desc(INDIRECT, 0, INDIRECT, 16, INDIRECT_FLAG, 0);
        desc(DESC, 0, INDIRECT, 16, INDIRECT_FLAG, 0);
        avail(0);
        assertTrue(fails(q).contains("indirect"), "nested");
        q = open();
        desc(INDIRECT, 0, BUF, 1, NEXT, 0);
        desc(DESC, 0, INDIRECT, 16, INDIRECT_FLAG, 0);
        avail(0);
        assertTrue(fails(q).contains("loops"), "a loop inside the table");
    }

    /** Whatever the rings hold, popping ends (no hang) with a chain, nothing, or a VirtqueueException. */
    @Property(tries = 3000)
    void randomRingsNeverEscapeAsAnythingElse(@ForAll byte[] table, @ForAll @IntRange(max = 0xFFFF) int availIdx,
                                              @ForAll @IntRange(max = 0xFFFF) int head) throws Exception {
        Virtqueue q = open();
        byte[] t = java.util.Arrays.copyOf(table, 16 * SIZE);
        RAM.write(DESC, t);
        RAM.write(INDIRECT, t);
        RAM.write16(AVAIL + 4, head);
        RAM.write16(AVAIL + 2, availIdx);
        DescriptorChain c = q.newChain();
        for (int i = 0; i < 3; i++) {
            try {
                if (!q.pop(c)) {
                    return;
                }
                assertTrue(c.count() <= c.capacity());
            } catch (VirtqueueException e) {
                return;
            }
        }
    }
}
