package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The timer thread is signalled only for a deadline before the one it already waits for (or when
 * it waits with nothing armed); a later one waits for its own next look. Timeouts only turn a
 * hang into a failure.
 */
class PlatformTimersTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    private final PlatformTimers timers = new PlatformTimers(System::nanoTime);

    @AfterEach
    void stop() {
        timers.close();
    }

    private void awaitThreadWaiting() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!timers.threadWaiting()) {
            assertTrue(System.nanoTime() < deadline, "the timer thread never waited");
            Thread.onSpinWait();
        }
    }

    @Test
    void anEarlierDeadlineWakesTheThreadALaterOneDoesNot() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(1);
        PlatformTimers.Timer far = timers.newTimer("far", now -> { });
        PlatformTimers.Timer near = timers.newTimer("near", now -> fired.countDown());
        timers.start();
        awaitThreadWaiting();
        timers.schedule(far, timers.now() + HOUR);
        assertEquals(1, timers.wakeSignals(), "the thread waited with nothing armed");
        awaitThreadWaiting();
        timers.schedule(far, timers.now() + 2 * HOUR);
        timers.schedule(near, timers.now() + HOUR + HOUR / 2);
        assertEquals(1, timers.wakeSignals(), "both after the hour the thread waits for");
        timers.schedule(near, timers.now());
        assertEquals(2, timers.wakeSignals());
        assertTrue(fired.await(20, TimeUnit.SECONDS), "the earlier deadline fired");
    }

    @Test
    void aTimerRearmedFromItsOwnActionNeedsNoSignal() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(3);
        PlatformTimers.Timer[] self = new PlatformTimers.Timer[1];
        self[0] = timers.newTimer("self", now -> {
            fired.countDown();
            if (fired.getCount() > 0) {
                timers.schedule(self[0], now);
            }
        });
        timers.start();
        awaitThreadWaiting();
        timers.schedule(self[0], timers.now());
        assertTrue(fired.await(20, TimeUnit.SECONDS), "fired three times");
        assertEquals(1, timers.wakeSignals(), "the thread rescans after firing");
    }
}
