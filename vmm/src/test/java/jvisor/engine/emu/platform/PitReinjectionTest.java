package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/**
 * The PIT's tick reinjection on the whole platform, on a hand-driven clock: Linux's periodic tick
 * at HZ = 250 through IOAPIC pin 2 (how Debian's kernel runs until its local APIC timer takes
 * over) and through the PICs. A processor that takes its ticks late still receives every one.
 */
class PitReinjectionTest {
    private static final int LATCH = (int) ((PcLayout.PIT_HZ + 125) / 250);
    private static final int IOAPIC_VECTOR = 0x30;
    private static final int PIC_VECTOR = DualPic.BIOS_MASTER_BASE;
    private static final long MASKED = 1L << 16;

    private final TestPlatform t = new TestPlatform(1);
    private final LocalApic bsp = t.apic(0);
    private final long start = t.clock.get();

    /** Linux's setup: the local APIC on, pin 2 edge-triggered to the BSP, IRQ 0 masked at the PIC. */
    private void routeThroughTheIoApic() {
        enable(bsp);
        t.outb(PcLayout.PIC_MASTER + 1, 0xFF);
        t.route(PcLayout.GSI_PIT, IOAPIC_VECTOR);
    }

    /** Counter 0 in mode 2 with Linux's LATCH, as the i8253 clockevent programs it. */
    private void startTick() {
        t.outb(PcLayout.PIT + 3, 0x34);
        t.outb(PcLayout.PIT, LATCH & 0xFF);
        t.outb(PcLayout.PIT, LATCH >> 8);
    }

    /** Moves the clock to the end of tick period {@code n} (counted from the start) and fires timers. */
    private void atPeriod(long n) {
        long ticks = n * LATCH;
        long nanos = (ticks * 1_000_000_000L + PcLayout.PIT_HZ - 1) / PcLayout.PIT_HZ;
        t.advance(start + nanos - t.clock.get());
    }

    /** Takes and ends interrupts until none is pending; each must be {@code vector}. */
    private int drain(int vector, Runnable endOfInterrupt) {
        int taken = 0;
        for (int v = take(bsp); v >= 0; v = take(bsp)) {
            assertEquals(vector, v);
            endOfInterrupt.run();
            taken++;
            assertTrue(taken < 10_000, "an endless stream of interrupts");
        }
        return taken;
    }

    private int drainIoApic() {
        return drain(IOAPIC_VECTOR, () -> eoi(bsp));
    }

    @Test
    void ticksTakenOnTimeArriveOncePerPeriod() {
        routeThroughTheIoApic();
        startTick();
        for (int n = 1; n <= 20; n++) {
            atPeriod(n);
            assertEquals(1, drainIoApic(), "period " + n);
        }
    }

    @Test
    void aProcessorThatTakesItsTicksLateStillReceivesEveryOne() {
        routeThroughTheIoApic();
        startTick();
        for (int n = 1; n <= 10; n++) {
            atPeriod(n); // interrupts disabled in the guest: nothing is taken
        }
        assertEquals(9, t.platform.pit().ticksOwed(), "one in the local APIC's IRR, nine owed");
        assertEquals(10, drainIoApic());
        atPeriod(11);
        assertEquals(1, drainIoApic(), "then on time again");
    }

    @Test
    void periodsTheTimerThreadFiredLateForAreEachDelivered() {
        routeThroughTheIoApic();
        startTick();
        atPeriod(10); // a JIT or GC pause on the host: one firing for ten periods
        assertEquals(10, drainIoApic());
    }

    @Test
    void aTickIsRaisedOnlyAfterTheGuestsEoiOfThePreviousOne() {
        routeThroughTheIoApic();
        startTick();
        atPeriod(3);
        assertEquals(IOAPIC_VECTOR, take(bsp));
        assertEquals(-1, take(bsp), "the next tick waits for the EOI");
        eoi(bsp);
        assertEquals(IOAPIC_VECTOR, take(bsp));
    }

    @Test
    void aGuestThatIgnoresItsTimerForAMinuteGetsOneSecondOfTicksNotAStorm() {
        routeThroughTheIoApic();
        startTick();
        atPeriod(60 * 250);
        assertEquals(250, drainIoApic());
    }

    @Test
    void maskingThePinForgetsTheTicksOwed() {
        routeThroughTheIoApic();
        startTick();
        atPeriod(10);
        t.route(PcLayout.GSI_PIT, MASKED | IOAPIC_VECTOR);
        t.route(PcLayout.GSI_PIT, IOAPIC_VECTOR);
        assertEquals(1, drainIoApic(), "only the tick already in the local APIC");
        atPeriod(11);
        assertEquals(1, drainIoApic());
    }

    @Test
    void periodsWhileIrq0IsMaskedEverywhereAreNotOwed() {
        enable(bsp);
        t.outb(PcLayout.PIC_MASTER + 1, 0xFF);
        t.route(PcLayout.GSI_PIT, MASKED | IOAPIC_VECTOR);
        startTick();
        atPeriod(50);
        assertEquals(0, t.platform.pit().ticksOwed());
        t.route(PcLayout.GSI_PIT, IOAPIC_VECTOR);
        assertEquals(0, drainIoApic());
        atPeriod(51);
        assertEquals(1, drainIoApic());
    }

    @Test
    void reprogrammingCounter0ForgetsTheTicksOwed() {
        routeThroughTheIoApic();
        startTick();
        atPeriod(10);
        startTick();
        assertEquals(0, t.platform.pit().ticksOwed());
        assertEquals(1, drainIoApic(), "the tick already in the local APIC");
    }

    @Test
    void aTickLostOnTheWayDoesNotStopTheTimerForGood() {
        t.outb(PcLayout.PIC_MASTER + 1, 0xFF);
        t.route(PcLayout.GSI_PIT, IOAPIC_VECTOR); // to a local APIC still software-disabled
        startTick();
        atPeriod(1);
        enable(bsp);
        atPeriod(2);
        assertEquals(0, drainIoApic(), "the lost tick is still taken to be in flight");
        atPeriod(250 + 2);
        assertEquals(250, drainIoApic(), "after the acknowledge time-out the ticks owed meanwhile follow");
        atPeriod(250 + 3);
        assertEquals(1, drainIoApic());
    }

    @Test
    void throughThePicsTheInterruptAcknowledgeTakesEachTick() {
        t.outb(PcLayout.PIC_MASTER + 1, 0xFA); // unmask IRQ 0; the BSP's LINT0 is in ExtINT mode
        startTick();
        for (int n = 1; n <= 10; n++) {
            atPeriod(n);
        }
        assertEquals(10, drain(PIC_VECTOR, () -> t.outb(PcLayout.PIC_MASTER, 0x20)));
        atPeriod(11);
        assertEquals(1, drain(PIC_VECTOR, () -> t.outb(PcLayout.PIC_MASTER, 0x20)));
    }

    @Test
    void aPollOfThePicsAcknowledgesTheTickToo() {
        t.outb(PcLayout.PIC_MASTER + 1, 0xFA);
        startTick();
        atPeriod(3);
        int polled = 0;
        for (int i = 0; i < 10; i++) {
            t.outb(PcLayout.PIC_MASTER, 0x0C); // OCW3: poll
            int status = t.inb(PcLayout.PIC_MASTER);
            if (status == 0) {
                break;
            }
            assertEquals(0x80, status, "IRQ 0 requested");
            t.outb(PcLayout.PIC_MASTER, 0x20);
            polled++;
        }
        assertEquals(3, polled);
    }
}
