package jvisor.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PortBusTest {
    private static final PortHandler FLOATING = new PortHandler() {
        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        public void write(int port, int size, int value) { }
    };

    private static final class Latch implements PortHandler {
        int value;
        int lastPort = -1;

        public int read(int port, int size) {
            lastPort = port;
            return value;
        }

        public void write(int port, int size, int v) {
            lastPort = port;
            value = v;
        }
    }

    @Test
    void beforeThePassStageEveryPortIsABug() {
        PortBus bus = new PortBus();
        assertThrows(IllegalStateException.class, () -> bus.read(0x80, 1));
    }

    @Test
    void unhookedPortsGetTheDefaultAndHooksGetTheirPorts() {
        PortBus bus = new PortBus();
        bus.setDefault(FLOATING, "unhooked");
        Latch dev = new Latch();
        bus.register(0x3F8, 8, dev, "COM1");

        assertEquals(0xFF, bus.read(0x2F8, 1));
        assertEquals(0xFFFF_FFFF, bus.read(0x2F8, 4));
        bus.write(0x3FF, 1, 0x5A);
        assertEquals(0x5A, bus.read(0x3F8, 1));
        assertEquals(0x3F8, dev.lastPort);
        assertEquals("COM1", bus.nameOf(0x3FC));
        assertEquals("unhooked", bus.nameOf(0x400));
        assertTrue(bus.isHooked(0x3F8));
    }

    @Test
    void overlappingHooksAreRejected() {
        PortBus bus = new PortBus();
        bus.setDefault(FLOATING, "unhooked");
        bus.register(0x60, 1, new Latch(), "i8042 data");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> bus.register(0x5E, 4, new Latch(), "other"));
        assertTrue(e.getMessage().contains("overlaps i8042 data"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bus.register(0xFFFF, 2, new Latch(), "wraps"));
    }

    @Test
    void hooksRegisteredBeforeTheDefaultSurviveIt() {
        PortBus bus = new PortBus();
        Latch dev = new Latch();
        bus.register(0x80, 1, dev, "post");
        bus.setDefault(FLOATING, "unhooked");
        bus.write(0x80, 1, 7);
        assertEquals(7, dev.value);
    }
}
