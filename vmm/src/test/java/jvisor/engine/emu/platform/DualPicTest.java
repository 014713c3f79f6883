package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_LINT0;
import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The 8259A pair as Linux's i8259.c drives it, seen by the BSP through LINT0 in ExtINT mode
 * (the processor takes the vector from the PICs' interrupt acknowledge).
 */
class DualPicTest {
    private static final int MASTER_CMD = PcLayout.PIC_MASTER;
    private static final int MASTER_IMR = PcLayout.PIC_MASTER + 1;
    private static final int SLAVE_CMD = PcLayout.PIC_SLAVE;
    private static final int SLAVE_IMR = PcLayout.PIC_SLAVE + 1;

    private final TestPlatform t = new TestPlatform(2);
    private final LocalApic bsp = t.apic(0);

    /** Linux's init_8259A(auto_eoi = 0): vectors 0x30-0x3F, slave on IRQ 2. */
    private void initLikeLinux(int masterIcw4) {
        t.outb(MASTER_IMR, 0xFF);
        t.outb(SLAVE_IMR, 0xFF);
        t.outb(MASTER_CMD, 0x11);
        t.outb(MASTER_IMR, 0x30);
        t.outb(MASTER_IMR, 1 << 2);
        t.outb(MASTER_IMR, masterIcw4);
        t.outb(SLAVE_CMD, 0x11);
        t.outb(SLAVE_IMR, 0x38);
        t.outb(SLAVE_IMR, 2);
        t.outb(SLAVE_IMR, 0x01);
        t.outb(MASTER_IMR, 0x00);
        t.outb(SLAVE_IMR, 0x00);
    }

    @BeforeEach
    void init() {
        initLikeLinux(0x01);
    }

    private int isr(int commandPort) {
        t.outb(commandPort, 0x0B); // OCW3: read ISR
        int isr = t.inb(commandPort);
        t.outb(commandPort, 0x0A); // back to IRR
        return isr;
    }

    private void irq(int line) {
        t.platform.irqLine(line).pulse();
    }

    /** Linux's mask-and-ack for a master line: specific EOI. */
    private void eoiMaster(int line) {
        t.outb(MASTER_CMD, 0x60 + line);
    }

    @Test
    void startsProgrammedTheWayTheBiosLeavesIt() {
        TestPlatform fresh = new TestPlatform(1);
        assertEquals(0xFB, fresh.inb(MASTER_IMR));
        assertEquals(0xFF, fresh.inb(SLAVE_IMR));
        fresh.outb(MASTER_IMR, 0xFA);
        fresh.platform.irqLine(0).pulse();
        assertEquals(0x08, take(fresh.apic(0)));
    }

    @Test
    void theMaskRegisterReadsBackAsLinuxProbesIt() {
        t.outb(MASTER_IMR, 0xFB);
        t.outb(SLAVE_IMR, 0xFF);
        assertEquals(0xFB, t.inb(MASTER_IMR));
        assertEquals(0xFF, t.inb(SLAVE_IMR));
    }

    @Test
    void aMasterLineIsTakenThroughLint0AndEndedWithASpecificEoi() {
        irq(1);
        assertTrue(bsp.hasEvents());
        assertFalse(t.apic(1).hasEvents(), "the AP's LINT0 is masked");
        assertEquals(0x02, t.inb(MASTER_CMD) & 0x02, "IRR shows the request");
        assertEquals(0x31, take(bsp));
        assertEquals(0x02, isr(MASTER_CMD));
        assertEquals(0, t.inb(MASTER_CMD) & 0x02, "the acknowledge cleared the edge's IRR bit");
        assertFalse(bsp.hasEvents());
        eoiMaster(1);
        assertEquals(0, isr(MASTER_CMD));
    }

    @Test
    void aSlaveLineGoesThroughTheCascade() {
        irq(PcLayout.IRQ_RTC);
        assertEquals(0x38, take(bsp));
        assertEquals(0x04, isr(MASTER_CMD));
        assertEquals(0x01, isr(SLAVE_CMD));
        t.outb(SLAVE_CMD, 0x60);
        t.outb(MASTER_CMD, 0x62);
        assertEquals(0, isr(MASTER_CMD));
        assertEquals(0, isr(SLAVE_CMD));
        assertEquals(-1, bsp.pendingInterrupt());
    }

    @Test
    void lowerLinesWinAndOnlyHigherPrioritiesNest() {
        irq(5);
        irq(3);
        assertEquals(0x33, take(bsp));
        assertEquals(-1, bsp.pendingInterrupt(), "5 waits while 3 is in service");
        irq(1);
        assertEquals(0x31, take(bsp), "1 nests over 3");
        t.outb(MASTER_CMD, 0x20); // non-specific EOI ends the highest in service: 1
        assertEquals(0x08, isr(MASTER_CMD));
        t.outb(MASTER_CMD, 0x20);
        assertEquals(0x35, take(bsp));
        t.outb(MASTER_CMD, 0x20);
    }

    @Test
    void slaveLinesRankAtTheCascadePosition() {
        irq(4);
        irq(PcLayout.IRQ_SCI);
        assertEquals(0x39, take(bsp), "IRQ 9 (on IR2) beats IRQ 4");
        t.outb(SLAVE_CMD, 0x20);
        t.outb(MASTER_CMD, 0x20);
        assertEquals(0x34, take(bsp));
    }

    @Test
    void rotationMakesTheLineJustServedTheLowest() {
        irq(3);
        assertEquals(0x33, take(bsp));
        t.outb(MASTER_CMD, 0xA0); // rotate on non-specific EOI
        irq(3);
        irq(5);
        assertEquals(0x35, take(bsp), "3 now has the lowest priority");
        t.outb(MASTER_CMD, 0xC4); // set priority: 4 lowest, 5 highest
        t.outb(MASTER_CMD, 0x65);
        assertEquals(0x33, take(bsp));
    }

    @Test
    void autoEoiLeavesNothingInService() {
        initLikeLinux(0x03);
        irq(6);
        assertEquals(0x36, take(bsp));
        assertEquals(0, isr(MASTER_CMD));
        irq(6);
        assertEquals(0x36, take(bsp));
    }

    @Test
    void maskedLinesStayInIrrUntilUnmasked() {
        t.outb(MASTER_IMR, 0x08);
        irq(3);
        assertFalse(bsp.hasEvents());
        t.outb(MASTER_IMR, 0x00);
        assertTrue(bsp.hasEvents());
        assertEquals(0x33, take(bsp));
    }

    @Test
    void pollModeAcknowledgesThroughARead() {
        irq(4);
        t.outb(MASTER_CMD, 0x0C); // OCW3: poll
        assertEquals(0x84, t.inb(MASTER_CMD));
        assertEquals(0x10, isr(MASTER_CMD));
        t.outb(MASTER_CMD, 0x0C);
        assertEquals(0, t.inb(MASTER_CMD), "nothing left to poll");
    }

    @Test
    void specialMaskModeLetsLowerPrioritiesInWhileTheMaskedLevelIsInService() {
        irq(3);
        assertEquals(0x33, take(bsp));
        irq(6);
        assertEquals(-1, bsp.pendingInterrupt());
        t.outb(MASTER_IMR, 0x08);
        t.outb(MASTER_CMD, 0x68); // OCW3: set special mask mode
        assertEquals(0x36, take(bsp));
        t.outb(MASTER_CMD, 0x48); // clear special mask mode
    }

    @Test
    void levelLinesFromTheElcrFollowTheirLine() {
        t.outb(PcLayout.PIC_ELCR + 1, 0x0E); // IRQ 9-11 level, as ACPI sets up the SCI
        assertEquals(0x0E, t.inb(PcLayout.PIC_ELCR + 1));
        var sci = t.platform.irqLine(PcLayout.IRQ_SCI);
        sci.set(true);
        assertEquals(0x39, take(bsp));
        t.outb(SLAVE_CMD, 0x20);
        t.outb(MASTER_CMD, 0x20);
        assertEquals(0x39, take(bsp), "still asserted after the EOI");
        sci.set(false);
        t.outb(SLAVE_CMD, 0x20);
        t.outb(MASTER_CMD, 0x20);
        assertEquals(-1, bsp.pendingInterrupt());
    }

    @Test
    void theElcrCannotMakeTheTimerKeyboardCascadeRtcOrFpuLevel() {
        t.outb(PcLayout.PIC_ELCR, 0xFF);
        t.outb(PcLayout.PIC_ELCR + 1, 0xFF);
        assertEquals(0xF8, t.inb(PcLayout.PIC_ELCR));
        assertEquals(0xDE, t.inb(PcLayout.PIC_ELCR + 1));
        assertEquals(0xDEF8, t.ports.read(PcLayout.PIC_ELCR, 2));
    }

    @Test
    void aRequestThatVanishesBeforeTheAcknowledgeIsSpuriousIrq7() {
        t.outb(PcLayout.PIC_ELCR, 0x80);
        var line = t.platform.irqLine(7);
        line.set(true);
        int vector = bsp.pendingInterrupt();
        assertEquals(0x37, vector);
        line.set(false);
        bsp.acknowledge(vector);
        assertEquals(0, isr(MASTER_CMD), "Linux recognises the spurious IRQ 7 by its clear ISR bit");
    }

    @Test
    void aSpuriousIrq15LeavesOnlyTheCascadeInService() {
        t.outb(PcLayout.PIC_ELCR + 1, 0x80);
        var line = t.platform.irqLine(15);
        line.set(true);
        int vector = bsp.pendingInterrupt();
        assertEquals(0x3F, vector);
        line.set(false);
        bsp.acknowledge(vector);
        assertEquals(0, isr(SLAVE_CMD));
        assertEquals(0x04, isr(MASTER_CMD), "the master still needs its EOI");
    }

    @Test
    void aHigherRequestArrivingBetweenOfferAndAcknowledgeWaitsItsTurn() {
        irq(5);
        int vector = bsp.pendingInterrupt();
        irq(1);
        bsp.acknowledge(vector);
        assertEquals(0x20, isr(MASTER_CMD), "the offered line is the one in service");
        assertEquals(0x31, take(bsp), "and the newcomer nests over it");
    }

    @Test
    void withLint0MaskedThePicsReachTheBspOnlyThroughIoApicPinZeroInExtIntMode() {
        enable(bsp);
        write(bsp, REG_LVT_LINT0, ApicRegisters.LVT_MASKED | 0x700);
        irq(4);
        assertFalse(bsp.hasEvents(), "LINT0 masked and IOAPIC pin 0 masked");
        t.outb(MASTER_IMR, 0x10); // INTR drops while pin 0 is routed
        t.route(0, 7L << 8); // ExtINT, edge, to APIC 0
        t.outb(MASTER_IMR, 0x00); // INTR rises: pin 0 sends ExtINT
        assertTrue(bsp.hasEvents());
        assertEquals(0x34, take(bsp));
    }

    @Test
    void aHardwareDisabledApicPassesIntrStraightThrough() {
        enable(bsp);
        write(bsp, REG_LVT_LINT0, ApicRegisters.LVT_MASKED);
        bsp.setApicBaseMsr(PcLayout.LAPIC_BASE);
        irq(3);
        assertEquals(0x33, take(bsp));
    }
}
