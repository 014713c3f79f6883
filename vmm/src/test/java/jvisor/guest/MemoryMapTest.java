package jvisor.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import jvisor.guest.MemoryMap.Entry;
import jvisor.guest.MemoryMap.Type;
import org.junit.jupiter.api.Test;

/** The E820-style map and the placement of loaded pieces inside it. */
class MemoryMapTest {
    static final long MIB = 1L << 20;

    @Test
    void aSmallGuestLooksLikeQemusPcUnderSeaBios() {
        MemoryMap map = MemoryMap.of(128 * MIB, 0);
        assertEquals(List.of(
                new Entry(0, 0x9FC00, Type.USABLE),
                new Entry(0x9FC00, 0x400, Type.RESERVED),
                new Entry(0xE0000, 0x20000, Type.RESERVED),
                new Entry(0x100000, 127 * MIB, Type.USABLE),
                new Entry(0xE0000000L, 0x10000000L, Type.RESERVED),
                new Entry(0xFEC00000L, 0x1000, Type.RESERVED),
                new Entry(0xFEE00000L, 0x1000, Type.RESERVED),
                new Entry(0xFFFC0000L, 0x40000, Type.RESERVED)), map.entries());
        assertEquals(639, map.lowerMemoryKib());
        assertEquals(127 * 1024, map.upperMemoryKib());
    }

    @Test
    void ramBeyondTheHoleContinuesAt4Gib() {
        MemoryMap map = MemoryMap.of(3L << 30, 1L << 30);
        Entry last = map.entries().getLast();
        assertEquals(new Entry(1L << 32, 1L << 30, Type.USABLE), last);
        assertEquals(((3L << 30) - MIB) / 1024, map.upperMemoryKib());
        assertTrue(map.isUsable(1L << 32, 1L << 30));
        assertFalse(map.isUsable((3L << 30) - 4096, 8192), "runs into the PCI hole");
        assertFalse(map.isUsable(0x9F000, 0x2000), "runs into the EBDA");
    }

    @Test
    void placementSkipsReservedRangesAndWhatIsAlreadyPlaced() {
        GuestPlacement p = new GuestPlacement(MemoryMap.of(16 * MIB, 0), 0x500, 1L << 32);
        assertFalse(p.isLoadable(0, 0x100), "the firmware's low 0x500 bytes");
        p.claim("kernel", 0x100000, 0x3000);
        assertEquals(OptionalLong.of(0x103000), p.findFree(0x1000, 0x1000, 0x100000));
        assertEquals(OptionalLong.of(0x103000), p.findFree(0x1000, 0x1000, 0x9F000), "past the EBDA, BIOS area and kernel");
        p.claim("module", 0x103000, 0x1000);
        assertEquals("kernel", p.conflict(0x102FFF, 2).orElseThrow().what());
        assertTrue(p.findFree(16 * MIB, 0x1000, 0x100000).isEmpty(), "more than the RAM there is");
        assertTrue(p.isFree(0x104000, 0), "an empty module still needs its address to be RAM");
    }
}
