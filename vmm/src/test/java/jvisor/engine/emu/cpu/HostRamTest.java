package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.Test;

/**
 * The MMU's direct accesses to guest RAM: the same little-endian bytes the segment holds, at
 * every width, up to the mapping's last byte and not one past it.
 */
class HostRamTest {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long SIZE = 0x10000;

    @Test
    void accessesGoDirectOnALittleEndianHost() {
        assertEquals(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, HostRam.direct());
    }

    @Test
    void readsAndWritesAreTheSegmentsLittleEndianBytesAtEveryWidth() {
        try (GuestMemory memory = GuestMemory.allocate(SIZE)) {
            MemorySegment segment = memory.segment();
            HostRam ram = HostRam.of(segment);
            segment.set(U64, 0x1001, 0x8877_6655_4433_2211L);
            assertEquals(0x8877_6655_4433_2211L, ram.get64(0x1001));
            assertEquals(0x4433_2211, ram.get32(0x1001));
            assertEquals(0x2211, ram.get16(0x1001));
            assertEquals(0x11, ram.get8(0x1001));
            assertEquals(0x88, ram.get8(0x1008), "zero-extended");
            ram.set64(0x2003, 0x0102_0304_0506_0708L);
            ram.set32(0x2003, 0xF1F2_F3F4);
            ram.set16(0x2003, 0xE1E2);
            ram.set8(0x2003, 0xD1);
            assertEquals(0x0102_0304_F1F2_E1D1L, segment.get(U64, 0x2003));
        }
    }

    @Test
    void theLastBytesOfTheMappingAreReachableAndNothingPastThem() {
        try (GuestMemory memory = GuestMemory.allocate(SIZE)) {
            HostRam ram = HostRam.of(memory.segment());
            ram.set64(SIZE - 8, -1L);
            assertEquals(0xFFFF_FFFF, ram.get32(SIZE - 4));
            assertEquals(0xFF, ram.get8(SIZE - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> ram.get64(SIZE - 7));
            assertThrows(IndexOutOfBoundsException.class, () -> ram.set32(SIZE - 3, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> ram.get8(SIZE));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ram.get16(-1));
            assertTrue(e.getMessage().contains("outside guest RAM"), e.getMessage());
        }
    }
}
