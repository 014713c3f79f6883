package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_LDR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TPR;
import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 82093AA IOAPIC programmed the way Linux's io_apic.c programs it. */
class IoApicTest {
    private static final long MASKED = 1L << 16;
    private static final long LEVEL = 1L << 15;
    private static final long REMOTE_IRR = 1L << 14;
    private static final long ACTIVE_LOW = 1L << 13;
    private static final long LOGICAL = 1L << 11;
    private static final long LOWEST = 1L << 8;

    private final TestPlatform t = new TestPlatform(2);
    private final LocalApic cpu0 = t.apic(0);
    private final LocalApic cpu1 = t.apic(1);

    @BeforeEach
    void enableApics() {
        enable(cpu0);
        enable(cpu1);
    }

    private static long physical(int vector, int apicId) {
        return (long) apicId << 56 | vector;
    }

    private long entry(int pin) {
        return (t.ioapicRead(0x11 + 2 * pin) & 0xFFFF_FFFFL) << 32 | (t.ioapicRead(0x10 + 2 * pin) & 0xFFFF_FFFFL);
    }

    @Test
    void identificationRegisters() {
        assertEquals(PcLayout.ioapicId(2), t.ioapicRead(0x00) >>> 24);
        int version = t.ioapicRead(0x01);
        assertEquals(0x11, version & 0xFF);
        assertEquals(23, version >>> 16 & 0xFF, "24 redirection entries");
        assertEquals(PcLayout.ioapicId(2), t.ioapicRead(0x02) >>> 24);
        t.ioapicWrite(0x00, 5 << 24);
        assertEquals(5, t.ioapicRead(0x00) >>> 24);
        t.mmio.write(PcLayout.IOAPIC_BASE, 4, 0x01);
        assertEquals(0x01, t.mmio.read(PcLayout.IOAPIC_BASE, 4), "IOREGSEL reads back");
    }

    @Test
    void everyEntryStartsMaskedAndReadOnlyBitsIgnoreWrites() {
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(MASKED, entry(pin));
        }
        t.route(9, 0xAB00_0000_0000_0000L | LEVEL | ACTIVE_LOW | REMOTE_IRR | 1L << 12 | 0x33);
        assertEquals(0xAB00_0000_0000_0000L | LEVEL | ACTIVE_LOW | 0x33, entry(9));
    }

    /**
     * With an interrupt-remapping unit, a remappable-format entry (bit 48, handle in bits 63-49 and
     * 11) reaches the unit as an upstream message and the unit's answer is what the APICs get.
     */
    @Test
    void aRemappableEntryIsDeliveredAsTheRemapperSays() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        t.platform.remapIoApicInterrupts((requester, address, data) -> {
            seen.add(String.format("%d %x %x", requester, address, data));
            return new jvisor.bus.InterruptRemapper.MsiMessage(0xFEE0_1000L, 0x42);
        });
        int handle = 0x8005;
        t.route(4, (long) (handle & 0x7FFF) << 49 | 1L << 48 | LOGICAL | 0x31);
        assertEquals((long) (handle & 0x7FFF) << 49 | 1L << 48 | LOGICAL | 0x31, entry(4), "bits 55-48 kept");
        t.platform.irqLine(PcLayout.IRQ_COM1).set(true);
        assertEquals(java.util.List.of(String.format("-1 %x 31", 0xFEE0_0000L | 5 << 5 | 1 << 4 | 1 << 2)), seen);
        assertEquals(-1, cpu0.pendingInterrupt());
        assertEquals(0x42, take(cpu1), "the vector and APIC the remapper chose, not the entry's");
    }

    @Test
    void aBlockedMessageReachesNoApic() {
        t.platform.remapIoApicInterrupts((requester, address, data) -> null);
        t.route(4, physical(0x31, 1));
        t.platform.irqLine(PcLayout.IRQ_COM1).set(true);
        assertEquals(-1, cpu0.pendingInterrupt());
        assertEquals(-1, cpu1.pendingInterrupt());
    }

    @Test
    void anEdgeTriggeredPinDeliversItsVectorOnEachRisingEdge() {
        t.route(4, physical(0x31, 1));
        IrqLine com1 = t.platform.irqLine(PcLayout.IRQ_COM1);
        com1.set(true);
        com1.set(true); // still high: no new edge
        assertEquals(-1, cpu0.pendingInterrupt());
        assertEquals(0x31, take(cpu1));
        eoi(cpu1);
        assertEquals(-1, cpu1.pendingInterrupt());
        com1.set(false);
        com1.pulse();
        assertEquals(0x31, take(cpu1));
        eoi(cpu1);
    }

    @Test
    void anEdgeOnAMaskedPinIsLost() {
        t.route(4, MASKED | physical(0x31, 0));
        t.platform.irqLine(4).pulse();
        t.route(4, physical(0x31, 0));
        assertEquals(-1, cpu0.pendingInterrupt());
    }

    @Test
    void aLevelTriggeredPinWaitsForTheEoiAndInterruptsAgainWhileStillAsserted() {
        t.route(11, LEVEL | ACTIVE_LOW | physical(0x41, 0));
        IrqLine line = t.platform.irqLine(11);
        line.set(true);
        assertTrue((entry(11) & REMOTE_IRR) != 0);
        assertEquals(0x41, take(cpu0));
        line.set(true); // the device asserts again: remote IRR holds it back
        eoi(cpu0);
        assertEquals(0x41, take(cpu0), "still asserted at the EOI: delivered again");
        line.set(false); // the driver quiets the device before its EOI
        eoi(cpu0);
        assertEquals(0, entry(11) & REMOTE_IRR);
        assertEquals(-1, cpu0.pendingInterrupt());
    }

    @Test
    void aLevelPinAssertedWhileMaskedInterruptsWhenUnmasked() {
        t.route(10, MASKED | LEVEL | physical(0x42, 0));
        t.platform.irqLine(10).set(true);
        assertEquals(-1, cpu0.pendingInterrupt());
        t.route(10, LEVEL | physical(0x42, 0));
        assertEquals(0x42, take(cpu0));
    }

    @Test
    void switchingAStuckEntryToEdgeClearsRemoteIrr() {
        t.route(10, LEVEL | physical(0x43, 0));
        t.platform.irqLine(10).set(true);
        assertTrue((entry(10) & REMOTE_IRR) != 0);
        t.route(10, MASKED | physical(0x43, 0)); // Linux's workaround for a lost EOI
        assertEquals(0, entry(10) & REMOTE_IRR);
    }

    @Test
    void theEoiOfAnEdgeVectorDoesNotReachTheIoApic() {
        t.route(12, LEVEL | physical(0x44, 0));
        t.route(13, physical(0x45, 0));
        t.platform.irqLine(12).set(true);
        t.platform.irqLine(13).pulse();
        assertEquals(0x45, take(cpu0));
        eoi(cpu0);
        assertTrue((entry(12) & REMOTE_IRR) != 0, "the edge vector's EOI left pin 12 alone");
        assertEquals(0x44, take(cpu0));
        t.platform.irqLine(12).set(false);
        eoi(cpu0);
        assertEquals(0, entry(12) & REMOTE_IRR);
    }

    @Test
    void thePitReachesPinTwoAndNotPinZero() {
        t.route(0, physical(0x30, 0));
        t.route(2, physical(0x32, 0));
        t.platform.irqLine(PcLayout.IRQ_PIT).pulse();
        assertEquals(0x32, take(cpu0));
        eoi(cpu0);
        assertEquals(-1, cpu0.pendingInterrupt());
    }

    @Test
    void pinsAboveFifteenAreReachableOnlyThroughTheIoApic() {
        t.route(20, LEVEL | physical(0x50, 1));
        t.platform.irqLine(20).set(true);
        assertEquals(0x50, take(cpu1));
    }

    @Test
    void logicalLowestPriorityDeliveryPicksTheLessBusyProcessor() {
        write(cpu0, REG_LDR, 0x0100_0000);
        write(cpu1, REG_LDR, 0x0200_0000);
        write(cpu0, REG_TPR, 0x20);
        t.route(5, 0x03L << 56 | LOGICAL | LOWEST | 0x51);
        t.platform.irqLine(5).pulse();
        assertEquals(0x51, take(cpu1));
        assertEquals(-1, cpu0.pendingInterrupt());
    }

    @Test
    void nmiAndInitDeliveryModes() {
        t.route(6, 4L << 8 | physical(0, 1));
        t.platform.irqLine(6).pulse();
        assertTrue(cpu1.takeNmi());
        t.route(7, 5L << 8 | physical(0, 1));
        t.platform.irqLine(7).pulse();
        assertTrue(cpu1.takeInit());
    }

    @Test
    void aLevelInterruptNobodyAcceptsLeavesRemoteIrrClear() {
        t.route(14, LEVEL | physical(0x46, 9)); // no processor has APIC ID 9
        t.platform.irqLine(14).set(true);
        assertEquals(0, entry(14) & REMOTE_IRR);
    }

    @Test
    void oddAccessesAreHarmless() {
        t.mmio.write(PcLayout.IOAPIC_BASE + 0x20, 4, 0x1234);
        t.mmio.write(PcLayout.IOAPIC_BASE + 0x10, 1, 0x12);
        assertEquals(0, t.mmio.read(PcLayout.IOAPIC_BASE + 0x40, 4));
        t.ioapicWrite(0x80, 0xFFFF_FFFF);
        assertEquals(0, t.ioapicRead(0x80));
        assertFalse(cpu0.hasEvents());
    }
}
