package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/**
 * The PIT raises IRQ 0 from two threads: the timer thread when a period ends, and the processor's
 * when it acknowledges a tick and another is owed. Each raise is an edge, set then released; if
 * the two overlapped, the second would find the line still high, make no edge, and its tick
 * would be lost with the backlog waiting for its acknowledge (a halted processor then got one
 * tick a second, the backlog's time-out).
 */
class PitEdgeRaceTest {
    private static final int COUNT = 1193; // 1 kHz

    /** A line that counts rising edges and, once armed, holds its first raise high until released. */
    private static final class EdgeCountingLine implements IrqLine {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean holdNextRaise;
        private boolean level;
        private int edges;

        @Override
        public void set(boolean asserted) {
            boolean hold;
            synchronized (this) {
                if (asserted && !level) {
                    edges++;
                }
                level = asserted;
                hold = asserted && holdNextRaise;
                holdNextRaise = false;
            }
            if (hold) {
                held.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        synchronized int edges() {
            return edges;
        }
    }

    @Test
    void aTickRaisedOnAcknowledgeWhileTheTimerRaisesTheLastOneIsNotLost() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        PlatformTimers timers = new PlatformTimers(clock::get);
        EdgeCountingLine line = new EdgeCountingLine();
        Pit8254 pit = new Pit8254(timers, line, () -> false);
        pit.write(PcLayout.PIT + 3, 1, 0x34);
        pit.write(PcLayout.PIT, 1, COUNT & 0xFF);
        pit.write(PcLayout.PIT, 1, COUNT >> 8);

        // Two periods end: one tick is raised (held high by the line), one is owed.
        clock.addAndGet(2_000_000L);
        line.holdNextRaise = true;
        Thread timer = Thread.ofPlatform().start(timers::fireDue);
        assertTrue(line.held.await(10, TimeUnit.SECONDS), "the timer thread raised the first tick");
        assertEquals(1, line.edges());

        // The processor takes that tick meanwhile, and its acknowledge raises the owed one.
        Thread processor = Thread.ofPlatform().start(pit::acknowledged);
        processor.join(200);
        line.release.countDown();
        timer.join(10_000);
        processor.join(10_000);
        assertEquals(2, line.edges(), "the owed tick made an edge of its own");
        assertEquals(0, pit.ticksOwed());
    }
}
