package jvisor.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The run-time clock: a scheduler thread that exists only once needed and ends at teardown. */
@Timeout(30)
class SystemDeviceClockTest {
    private final PrintStream log = new PrintStream(OutputStream.nullOutputStream());

    private static Optional<Thread> thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    @Test
    void aTimerRunsOnTheClockThreadWhichCloseStops() throws Exception {
        SystemDeviceClock clock = new SystemDeviceClock("jvisor-test-clock", log);
        assertTrue(thread("jvisor-test-clock").isEmpty(), "no thread before a timer is armed");
        CountDownLatch fired = new CountDownLatch(1);
        AtomicReference<String> firedOn = new AtomicReference<>();
        DeviceTimer timer = clock.newTimer(() -> {
            firedOn.set(Thread.currentThread().getName());
            fired.countDown();
        });
        timer.arm(clock.nanoTime());
        fired.await();
        assertEquals("jvisor-test-clock", firedOn.get());
        Thread worker = thread("jvisor-test-clock").orElseThrow();
        assertTrue(worker.isDaemon());
        clock.close();
        worker.join();
        assertFalse(worker.isAlive());
        timer.arm(clock.nanoTime());
        assertTrue(thread("jvisor-test-clock").isEmpty(), "arming after close starts nothing");
    }

    @Test
    void theWallClockIsTheHostsUtcTime() {
        SystemDeviceClock clock = new SystemDeviceClock("jvisor-test-wall", log);
        long before = System.currentTimeMillis();
        long wall = clock.wallClockNanos() / 1_000_000;
        long after = System.currentTimeMillis();
        assertTrue(wall >= before && wall <= after);
    }

    /** The RTC on the real clock: a periodic interrupt at 8192 Hz arrives through the scheduler thread. */
    @Test
    void theRtcRaisesItsPeriodicInterruptOnTheRealClock() throws Exception {
        CountDownLatch raised = new CountDownLatch(1);
        SystemDeviceClock clock = new SystemDeviceClock("jvisor-test-rtc", log);
        Cmos cmos = new Cmos(level -> {
            if (level) {
                raised.countDown();
            }
        }, clock, new CmosMemorySizes(1 << 20, 0, 1), DeviceLog.discard("rtc"));
        cmos.write(PcLayout.CMOS, 1, Cmos.REG_A);
        cmos.write(PcLayout.CMOS + 1, 1, Cmos.A_DIVIDER_RUNNING | 0x03);
        cmos.write(PcLayout.CMOS, 1, Cmos.REG_B);
        cmos.write(PcLayout.CMOS + 1, 1, Cmos.B_PIE | RtcCalendar.B_24_HOUR);
        raised.await();
        cmos.write(PcLayout.CMOS, 1, Cmos.REG_C);
        assertEquals(Cmos.C_IRQF | Cmos.C_PF, cmos.read(PcLayout.CMOS + 1, 1) & (Cmos.C_IRQF | Cmos.C_PF));
        clock.close();
    }
}
