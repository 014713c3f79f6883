package jvisor.devices.pci;

import jvisor.devices.RecordingShutdown;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The host bridge as a guest's PCI code sees it through configuration mechanism #1. */
class HostBridgeTest {
    private static final int CF8 = 0xCF8;
    private static final int CFC = 0xCFC;

    private final PciBus bus = PciBusTest.bus();
    private final PciHost host = new PciHost(new RecordingShutdown(), bus);

    HostBridgeTest() {
        bus.plug(0, 0, 0, new HostBridge());
    }

    private int read(int register, int size) {
        host.write(CF8, 4, PciHost.ENABLE | register & 0xFC);
        return host.read(CFC + (register & 3), size);
    }

    private void write(int register, int size, int value) {
        host.write(CF8, 4, PciHost.ENABLE | register & 0xFC);
        host.write(CFC + (register & 3), size, value);
    }

    /** pci_sanity_check reads the class word at 0x0A and the vendor word at 0x00 of each bus-0 slot. */
    @Test
    void linuxFindsAHostBridgeOnBusZero() {
        assertEquals(0x0600, read(0x0A, 2), "class: bridge, host");
        assertEquals(0x8086, read(0x00, 2));
        assertEquals(0x1237_8086, read(0x00, 4));
        assertEquals(0x0600_0002, read(0x08, 4), "class code and revision");
        assertEquals(0x00, read(0x0E, 1), "header type 0, single function");
    }

    @Test
    void identityAndBarsAreReadOnly() {
        write(0x00, 4, 0xFFFF_FFFF);
        assertEquals(0x1237_8086, read(0x00, 4));
        for (int bar = 0x10; bar <= 0x24; bar += 4) {
            write(bar, 4, 0xFFFF_FFFF);
            assertEquals(0, read(bar, 4), "BAR at 0x" + Integer.toHexString(bar) + " claims no range");
        }
    }

    @Test
    void theCommandRegisterKeepsOnlyItsEnableBits() {
        assertEquals(HostBridge.COMMAND_RESET, read(0x04, 2));
        write(0x04, 2, 0xFFFF);
        assertEquals(0x0007, read(0x04, 2));
        write(0x04, 2, 0);
        assertEquals(0, read(0x04, 4), "command cleared, status stays zero");
    }

    @Test
    void theLatencyTimerIsWritableByteWise() {
        write(0x0D, 1, 0x40);
        assertEquals(0x40, read(0x0D, 1));
        assertEquals(0x0000_4000, read(0x0C, 4));
    }

    @Test
    void slotsOtherThanTheBridgeStayEmpty() {
        host.write(CF8, 4, PciHost.ENABLE | 1 << 11);
        assertEquals(0xFFFF_FFFF, host.read(CFC, 4));
    }
}
