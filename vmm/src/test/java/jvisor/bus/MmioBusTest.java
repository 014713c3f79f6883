package jvisor.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MmioBusTest {
    private record Echo(long tag) implements MmioHandler {
        public long read(long offset, int size) {
            return tag + offset;
        }

        public void write(long offset, int size, long value) { }
    }

    private static final MmioHandler FLOATING = new MmioHandler() {
        public long read(long offset, int size) {
            return MmioHandler.floating(size);
        }

        public void write(long offset, int size, long value) { }
    };

    @Test
    void lookupFindsTheRangeAndPassesTheOffset() {
        MmioBus bus = new MmioBus(FLOATING);
        bus.register(0xFEC0_0000L, 0x1000, new Echo(0x1000), "ioapic");
        bus.register(0xD000_0000L, 0x100, new Echo(0x2000), "dev");
        bus.register(0x1_0000_0000L * 8, 0x1000, new Echo(0x3000), "high");

        assertEquals(0x1010, bus.read(0xFEC0_0010L, 4));
        assertEquals(0x20FF, bus.read(0xD000_00FFL, 1));
        assertEquals(0xFF, bus.read(0xD000_0100L, 1));
        assertEquals(0x3000, bus.read(0x8_0000_0000L, 8));
        assertEquals(-1L, bus.read(0xFFFF_FFFF_F000L, 8));
        assertNull(bus.find(0xFEBF_FFFFL));
    }

    @Test
    void overlapsAreRejectedAndUnregisterFrees() {
        MmioBus bus = new MmioBus(FLOATING);
        bus.register(0x1000_0000L, 0x2000, new Echo(0), "a");
        assertThrows(IllegalStateException.class, () -> bus.register(0x1000_1FFFL, 1, new Echo(0), "b"));
        bus.unregister(0x1000_0000L);
        bus.register(0x1000_1FFFL, 1, new Echo(7), "b");
        assertEquals(7, bus.read(0x1000_1FFFL, 1));
    }
}
