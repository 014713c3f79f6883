package jvisor.devices.testdev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;
import jvisor.devices.pci.Bar;
import jvisor.devices.pci.PciFunction;
import org.junit.jupiter.api.Test;

/** pci-testdev as kvm-unit-tests' lib/pci-testdev drives it, through both BARs. */
class PciTestDevTest {
    private final PciFunction f = new PciTestDev().function();

    /** One BAR seen as byte/dword accesses at offsets. */
    private interface Window {
        long read(int offset, int size);

        void write(int offset, int size, long value);
    }

    private Window memory() {
        MmioHandler h = ((Bar.Memory) f.bar(0)).handler();
        return new Window() {
            public long read(int offset, int size) {
                return h.read(offset, size);
            }

            public void write(int offset, int size, long value) {
                h.write(offset, size, value);
            }
        };
    }

    private Window io() {
        PortHandler h = ((Bar.Io) f.bar(1)).handler();
        return new Window() {
            public long read(int offset, int size) {
                return h.read(offset, size) & 0xFFFF_FFFFL;
            }

            public void write(int offset, int size, long value) {
                h.write(offset, size, (int) value);
            }
        };
    }

    /** kvm-unit-tests' loop: select, check the header, write the data 16 times, read the count. */
    private static String run(Window w, int test) {
        w.write(0, 1, test);
        assertEquals(0, w.read(12, 4), "count starts at 0");
        int width = (int) w.read(1, 1);
        int data = (int) w.read(8, 4);
        int offset = (int) w.read(4, 4);
        for (int i = 0; i < 16; i++) {
            w.write(offset, width, data);
        }
        w.write(offset, width, data ^ 1);  // counted only by the wildcard test
        StringBuilder name = new StringBuilder();
        for (int i = 16; w.read(i, 1) != 0; i++) {
            name.append((char) w.read(i, 1));
        }
        return name + " width " + width + " data " + Integer.toHexString(data) + " at " + offset
                + " count " + w.read(12, 4);
    }

    @Test
    void identifiesAsRedHatsTestDevice() {
        assertEquals(0x0005_1B36, f.configRead(0, 4));
        assertEquals(0xFF, f.configRead(0x0B, 1));
    }

    @Test
    void theMemoryBarsTestsCountMatchingWrites() {
        assertEquals("mmio-no-eventfd width 1 data fa at 2048 count 16", run(memory(), 0));
        assertEquals("mmio-wildcard-eventfd width 1 data ce at 2049 count 17", run(memory(), 1));
        assertEquals("mmio-datamatch-eventfd width 1 data fa at 2050 count 16", run(memory(), 2));
    }

    @Test
    void theIoBarsTestsCountMatchingWrites() {
        assertEquals("portio-no-eventfd width 1 data fa at 131 count 16", run(io(), 0));
        assertEquals("portio-datamatch-eventfd width 1 data fa at 133 count 16", run(io(), 2));
    }

    @Test
    void aTestNumberPastTheLastDeselectsAndTheHeaderReadsZero() {
        Window w = memory();
        w.write(0, 1, 1);
        w.write(0, 1, 3);
        assertEquals(0, w.read(0, 4));
        assertEquals(0, w.read(1, 1));
    }
}
