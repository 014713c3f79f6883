package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/**
 * The 8254 on a hand-driven clock, exercised the way Linux's i8253/tsc code uses it. Times are
 * given in PIT clocks since the PIT was made.
 */
class Pit8254Test {
    private static final int CH0 = PcLayout.PIT;
    private static final int CH2 = PcLayout.PIT + 2;
    private static final int MODE = PcLayout.PIT + 3;
    private static final int PORT_B = PcLayout.PORT_B;

    private final AtomicLong clock = new AtomicLong(3_000_000_000L);
    private final long origin = clock.get();
    private final PlatformTimers timers = new PlatformTimers(clock::get);
    private final AtomicInteger edges = new AtomicInteger();
    private final Pit8254 pit = new Pit8254(timers, new IrqLine() {
        private boolean level;

        @Override
        public void set(boolean asserted) {
            if (asserted && !level) {
                edges.incrementAndGet();
            }
            level = asserted;
        }
    });

    /** Moves the clock to PIT clock {@code tick} and fires what is due. */
    private void at(long tick) {
        clock.set(origin + (tick * 1_000_000_000L + PcLayout.PIT_HZ - 1) / PcLayout.PIT_HZ);
        timers.fireDue();
    }

    private void out(int port, int value) {
        pit.write(port, 1, value);
    }

    private int in(int port) {
        return pit.read(port, 1);
    }

    private int readCount(int port) {
        int low = in(port);
        return in(port) << 8 | low;
    }

    private boolean out2() {
        return (in(PORT_B) & 0x20) != 0;
    }

    @Test
    void linuxPitCalibrateTscWaitsForCounter2InMode0() {
        int latch = (int) (PcLayout.PIT_HZ / 100); // CAL_LATCH: 10 ms
        out(PORT_B, (in(PORT_B) & ~0x02) | 0x01); // gate high, speaker off
        out(MODE, 0xB0); // counter 2, lobyte/hibyte, mode 0, binary
        out(CH2, latch & 0xFF);
        out(CH2, latch >> 8);
        assertFalse(out2());
        at(latch - 1);
        assertFalse(out2());
        at(latch);
        assertTrue(out2(), "OUT goes high at terminal count");
        at(latch + 5000);
        assertTrue(out2(), "and stays high");
        assertEquals(0, edges.get(), "counter 2 is not on IRQ 0");
    }

    @Test
    void linuxQuickPitCalibrateWatchesTheMsbFallEvery256Clocks() {
        out(PORT_B, (in(PORT_B) & ~0x02) | 0x01);
        out(MODE, 0xB0);
        out(CH2, 0xFF);
        out(CH2, 0xFF);
        assertEquals(0xFFFF, readCount(CH2));
        at(256);
        in(CH2);
        assertEquals(0xFE, in(CH2));
        at(2 * 256 + 10);
        assertEquals(0xFFFF - 2 * 256 - 10, readCount(CH2));
    }

    @Test
    void counter2PausesWhileItsGateIsLowInMode0() {
        out(MODE, 0xB0);
        out(CH2, 100);
        out(CH2, 0);
        at(50);
        assertEquals(100, readCount(CH2), "gate low from power-up: no counting");
        out(PORT_B, 0x01);
        at(80);
        assertEquals(70, readCount(CH2));
        out(PORT_B, 0x00);
        at(1000);
        assertEquals(70, readCount(CH2));
        assertEquals(0, in(PORT_B) & 0x01);
        out(PORT_B, 0x01);
        at(1069);
        assertFalse(out2());
        at(1070);
        assertTrue(out2());
    }

    @Test
    void theCounterLatchFreezesTheValueUntilBothBytesAreRead() {
        out(MODE, 0x34); // counter 0, lobyte/hibyte, mode 2
        out(CH0, 0x00);
        out(CH0, 0x10); // 4096
        at(1000);
        out(MODE, 0x00); // latch counter 0
        at(1500);
        out(MODE, 0x00); // a second latch before reading is ignored
        assertEquals(4096 - 1000, readCount(CH0));
        assertEquals(4096 - 1500, readCount(CH0), "live again after the latched value was read");
    }

    @Test
    void readBackLatchesStatusThenCount() {
        out(MODE, 0xB6); // counter 2, lobyte/hibyte, mode 3
        out(CH2, 0x00);
        out(CH2, 0x01); // 256
        out(MODE, 0xC8); // read-back: count and status of counter 2
        int status = in(CH2);
        assertEquals(0x80 | 0x30 | 3 << 1, status, "OUT high, lobyte/hibyte, mode 3, binary");
        assertEquals(256, readCount(CH2));
        out(MODE, 0xE8); // status only
        assertEquals(status, in(CH2));
    }

    @Test
    void mode2OnCounter0InterruptsOncePerPeriod() {
        int latch = (int) ((PcLayout.PIT_HZ + 500) / 1000); // Linux's LATCH for HZ = 1000
        out(MODE, 0x34);
        out(CH0, latch & 0xFF);
        out(CH0, latch >> 8);
        for (int i = 1; i <= 10; i++) {
            at((long) i * latch - 1);
            assertEquals(i - 1, edges.get());
            at((long) i * latch);
            assertEquals(i, edges.get());
        }
        assertEquals(latch, readCount(CH0), "reloaded at each terminal count");
    }

    @Test
    void oneKilohertzGivesAThousandInterruptsPerSecondOfHostTime() {
        out(MODE, 0x34);
        out(CH0, 1193 & 0xFF);
        out(CH0, 1193 >> 8);
        for (int ms = 1; ms <= 1000; ms++) {
            clock.set(origin + ms * 1_000_000L);
            timers.fireDue();
        }
        assertEquals(1000, edges.get());
    }

    @Test
    void periodsMissedByTheTimerThreadCoalesceIntoOneInterrupt() {
        out(MODE, 0x34);
        out(CH0, 100);
        out(CH0, 0);
        at(100 * 100 + 50);
        assertEquals(1, edges.get());
        at(100 * 101);
        assertEquals(2, edges.get(), "the next period is on time");
    }

    @Test
    void aTinyCountInterruptsNoFasterThanTheHostLimit() {
        out(MODE, 0x34);
        out(CH0, 2); // 600 kHz
        out(CH0, 0);
        at(2);
        assertEquals(1, edges.get());
        at(Pit8254.MIN_PERIOD_TICKS);
        assertEquals(1, edges.get());
        at(2 + Pit8254.MIN_PERIOD_TICKS + 2);
        assertEquals(2, edges.get());
    }

    @Test
    void aNewCountInMode2TakesOverAtTheEndOfThePeriod() {
        out(MODE, 0x34);
        out(CH0, 200);
        out(CH0, 0);
        at(30);
        out(CH0, 80);
        out(CH0, 0);
        assertEquals(170, readCount(CH0), "the current period runs out first");
        at(200);
        assertEquals(1, edges.get());
        at(205);
        assertEquals(75, readCount(CH0));
        at(279);
        assertEquals(1, edges.get());
        at(280);
        assertEquals(2, edges.get());
    }

    @Test
    void mode3IsASquareWaveCountingDownByTwo() {
        out(PORT_B, 0x01);
        out(MODE, 0xB6);
        out(CH2, 100);
        out(CH2, 0);
        at(10);
        assertTrue(out2());
        assertEquals(80, readCount(CH2));
        at(49);
        assertTrue(out2());
        at(50);
        assertFalse(out2());
        at(99);
        assertFalse(out2());
        at(100);
        assertTrue(out2());
    }

    @Test
    void mode4StrobesOnceAfterTheCount() {
        out(MODE, 0x38); // Linux's one-shot clock event
        out(CH0, 50);
        out(CH0, 0);
        at(50);
        assertEquals(0, edges.get());
        at(51);
        assertEquals(1, edges.get());
        at(100_000);
        assertEquals(1, edges.get());
    }

    @Test
    void mode0WithCountZeroRunsOut65536ClocksLater() {
        out(MODE, 0x30); // Linux's shutdown of the PIT clock event
        out(CH0, 0);
        out(CH0, 0);
        at(65_535);
        assertEquals(0, edges.get());
        at(65_536);
        assertEquals(1, edges.get());
        at(10 * 65_536);
        assertEquals(1, edges.get(), "no further interrupts");
    }

    @Test
    void mode1IsAOneShotTriggeredByTheGate() {
        out(MODE, 0xB2); // counter 2, mode 1
        out(CH2, 20);
        out(CH2, 0);
        at(100);
        assertTrue(out2(), "waits for a trigger");
        out(PORT_B, 0x01);
        at(110);
        assertFalse(out2());
        assertEquals(10, readCount(CH2));
        at(120);
        assertTrue(out2());
        out(PORT_B, 0x00);
        out(PORT_B, 0x01); // retrigger
        assertFalse(out2());
    }

    @Test
    void bcdCountsInDecimal() {
        out(PORT_B, 0x01);
        out(MODE, 0xB1); // counter 2, mode 0, BCD
        out(CH2, 0x00);
        out(CH2, 0x01); // 100 decimal
        at(1);
        assertEquals(0x0099, readCount(CH2));
        out(CH2, 0x00);
        out(CH2, 0x00); // 0 means 10000 in BCD
        at(2);
        assertEquals(0x9999, readCount(CH2));
    }

    @Test
    void singleByteAccessModes() {
        out(PORT_B, 0x01);
        out(MODE, 0x90); // counter 2, low byte only, mode 0
        out(CH2, 0x80);
        assertEquals(0x80, in(CH2));
        out(MODE, 0xA0); // high byte only
        out(CH2, 0x02);
        at(3);
        assertEquals(0x01, in(CH2), "0x200 - 3 = 0x1FD");
        assertEquals(0x01, in(CH2));
    }

    @Test
    void portBKeepsItsControlBitsAndTogglesTheRefreshBit() {
        out(PORT_B, 0xFF);
        assertEquals(0x0F, in(PORT_B) & 0x0F);
        int before = in(PORT_B) & 0x10;
        clock.addAndGet(15_085);
        assertEquals(before ^ 0x10, in(PORT_B) & 0x10);
        assertEquals(0xFF, in(MODE), "the control word register is write-only");
    }
}
