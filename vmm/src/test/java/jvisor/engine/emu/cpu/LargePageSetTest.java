package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The set of cached large pages INVLPG consults: membership by address and size, deletion, overflow. */
class LargePageSetTest {
    private static final long TWO_MIB = 2L << 20;

    @Test
    void remembersPagesBySizeUntilRemoved() {
        LargePageSet s = new LargePageSet();
        s.add(0x4000_0000_0000L, 30);
        s.add(0x20_0000, 21);
        s.add(0x20_0000, 21);
        assertEquals((1 << 30) | (1 << 21), s.shifts());
        assertFalse(s.remove(0x20_0000, 22), "the same address as a 4 MiB page is another page");
        assertTrue(s.remove(0x20_0000, 21));
        assertFalse(s.remove(0x20_0000, 21), "removed once");
        assertTrue(s.remove(0x4000_0000_0000L, 30));
    }

    @Test
    void addingAndRemovingTheSamePageForeverNeverOverflows() {
        LargePageSet s = new LargePageSet();
        for (int k = 0; k < 100_000; k++) {
            s.add(0xFFFF_9234_0000_0000L, 21);
            assertTrue(s.remove(0xFFFF_9234_0000_0000L, 21));
        }
        assertFalse(s.overflowed());
    }

    @Test
    void givesUpPastThreeQuartersFullUntilCleared() {
        LargePageSet s = new LargePageSet();
        for (long k = 0; k < 768; k++) {
            s.add(k * TWO_MIB, 21);
        }
        assertFalse(s.overflowed());
        s.add(768 * TWO_MIB, 21);
        assertTrue(s.overflowed());
        s.clear();
        assertFalse(s.overflowed());
        assertFalse(s.remove(0, 21));
        assertEquals(0, s.shifts());
    }
}
