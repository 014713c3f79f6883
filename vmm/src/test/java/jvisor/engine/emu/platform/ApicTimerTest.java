package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_TIMER;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_CURRENT;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_DIVIDE;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_INITIAL;
import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.read;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local APIC timer in its three modes (SDM 10.5.4), on the test platform's hand-driven clock.
 * The timer counts one per nanosecond before the divider.
 */
class ApicTimerTest {
    private static final int VECTOR = 0xEC; // Linux's LOCAL_TIMER_VECTOR
    private static final int PERIODIC = 1 << 17;
    private static final int TSC_DEADLINE = 2 << 17;
    private static final int DIVIDE_BY_16 = 0x3;
    private static final int DIVIDE_BY_1 = 0xB;

    private final TestPlatform t = new TestPlatform(1);
    private final LocalApic apic = t.apic(0);

    @BeforeEach
    void enableApic() {
        enable(apic);
        t.advance(1_000_000_000); // a TSC well past zero, as a running guest has
    }

    private boolean interrupted() {
        int vector = take(apic);
        if (vector >= 0) {
            assertEquals(VECTOR, vector);
            eoi(apic);
            return true;
        }
        return false;
    }

    @Test
    void oneShotCountsDownThroughTheDividerAndInterruptsOnce() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_16);
        write(apic, REG_LVT_TIMER, VECTOR);
        write(apic, REG_TIMER_INITIAL, 1000);
        assertEquals(1000, read(apic, REG_TIMER_INITIAL));
        assertEquals(1000, read(apic, REG_TIMER_CURRENT));
        t.advance(16 * 250);
        assertEquals(750, read(apic, REG_TIMER_CURRENT));
        assertFalse(interrupted());
        t.advance(16 * 749);
        assertEquals(1, read(apic, REG_TIMER_CURRENT));
        assertFalse(interrupted());
        t.advance(16);
        assertEquals(0, read(apic, REG_TIMER_CURRENT));
        assertTrue(interrupted());
        t.advance(1_000_000);
        assertFalse(interrupted());
        assertEquals(0, read(apic, REG_TIMER_CURRENT));
    }

    @Test
    void periodicReloadsAndInterruptsEveryPeriod() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 1_000_000); // 1 ms
        for (int i = 0; i < 5; i++) {
            t.advance(999_999);
            assertEquals(1, read(apic, REG_TIMER_CURRENT));
            assertFalse(interrupted());
            t.advance(1);
            assertTrue(interrupted(), "period " + i);
            assertEquals(1_000_000, read(apic, REG_TIMER_CURRENT));
        }
    }

    @Test
    void periodsTheTimerThreadFiredLateForAreEachDelivered() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 1_000_000);
        t.advance(10_500_000); // ten periods pass before the thread gets to run
        assertEquals(10, drain(), "every period, one interrupt at a time");
        assertEquals(500_000, read(apic, REG_TIMER_CURRENT));
        t.advance(500_000);
        assertTrue(interrupted(), "and the next period is on time");
        assertFalse(interrupted());
    }

    @Test
    void aProcessorThatTakesItsTicksLateStillReceivesEveryOne() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 4_000_000); // HZ = 250
        for (int i = 0; i < 25; i++) {
            t.advance(4_000_000); // the guest runs with interrupts disabled
        }
        assertEquals(24, apic.timerTicksOwed());
        assertEquals(VECTOR, take(apic));
        assertEquals(-1, take(apic), "the next one waits for the EOI");
        eoi(apic);
        assertEquals(24, drain());
    }

    @Test
    void aGuestThatIgnoresItsTimerForAMinuteGetsOneSecondOfTicks() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 4_000_000);
        t.advance(60_000_000_000L);
        assertEquals(250, drain());
    }

    @Test
    void maskingTheTimerForgetsWhatIsOwed() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 1_000_000);
        t.advance(5_000_000);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR | 1 << 16);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        assertEquals(1, drain(), "only the interrupt already requested");
        t.advance(1_000_000);
        assertEquals(1, drain());
    }

    /** Takes and ends timer interrupts until none is pending. */
    private int drain() {
        int taken = 0;
        while (interrupted()) {
            taken++;
            assertTrue(taken < 10_000, "an endless stream of interrupts");
        }
        return taken;
    }

    @Test
    void aVeryShortPeriodIsRateLimitedOnTheHost() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, PERIODIC | VECTOR);
        write(apic, REG_TIMER_INITIAL, 10); // 100 MHz
        t.advance(10);
        assertTrue(interrupted());
        t.advance(1_000);
        assertFalse(interrupted(), "the next interrupt waits for the minimum host period");
        assertEquals(10, read(apic, REG_TIMER_CURRENT), "while the count follows the guest's period");
        t.advance(ApicTimer.MIN_PERIOD_NANOS);
        assertTrue(interrupted());
    }

    @Test
    void aMaskedTimerCountsButDoesNotInterrupt() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, ApicRegisters.LVT_MASKED | VECTOR);
        write(apic, REG_TIMER_INITIAL, 100);
        t.advance(40);
        assertEquals(60, read(apic, REG_TIMER_CURRENT));
        t.advance(100);
        assertFalse(interrupted());
    }

    @Test
    void writingZeroStopsTheTimer() {
        write(apic, REG_LVT_TIMER, VECTOR);
        write(apic, REG_TIMER_INITIAL, 100);
        write(apic, REG_TIMER_INITIAL, 0);
        t.advance(1_000);
        assertFalse(interrupted());
        assertEquals(0, read(apic, REG_TIMER_CURRENT));
    }

    @Test
    void changingTheDividerMidCountKeepsTheCount() {
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, VECTOR);
        write(apic, REG_TIMER_INITIAL, 1000);
        t.advance(400);
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_16);
        assertEquals(DIVIDE_BY_16, read(apic, REG_TIMER_DIVIDE));
        assertEquals(600, read(apic, REG_TIMER_CURRENT));
        t.advance(16 * 599);
        assertFalse(interrupted());
        t.advance(16);
        assertTrue(interrupted());
    }

    @Test
    void tscDeadlineInterruptsWhenTheTscPassesTheDeadlineAndDisarms() {
        write(apic, REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
        long deadline = t.tsc.now() + 2_000_000;
        apic.setTscDeadlineMsr(deadline);
        assertEquals(deadline, apic.tscDeadlineMsr());
        write(apic, REG_TIMER_INITIAL, 5); // ignored in this mode
        assertEquals(0, read(apic, REG_TIMER_INITIAL));
        t.advance(1_999_999);
        assertFalse(interrupted());
        t.advance(1);
        assertTrue(interrupted());
        assertEquals(0, apic.tscDeadlineMsr(), "the MSR clears when the timer fires");
        t.advance(10_000_000);
        assertFalse(interrupted());
    }

    @Test
    void aDeadlineAlreadyPassedInterruptsAtOnceAndZeroDisarms() {
        write(apic, REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
        apic.setTscDeadlineMsr(t.tsc.now() - 5);
        t.advance(0);
        assertTrue(interrupted());
        apic.setTscDeadlineMsr(t.tsc.now() + 100);
        apic.setTscDeadlineMsr(0);
        t.advance(1_000);
        assertFalse(interrupted());
    }

    @Test
    void theTscDeadlineFollowsAGuestWriteToTheTsc() {
        write(apic, REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
        apic.setTscDeadlineMsr(t.tsc.now() + 1_000);
        t.tsc.set(t.tsc.now() - 1_000_000); // the guest moved its TSC back
        t.advance(1_000);
        assertFalse(interrupted(), "the TSC has not reached the deadline yet");
        t.advance(1_000_000);
        assertTrue(interrupted());
    }

    @Test
    void theDeadlineMsrIsIgnoredOutsideTscDeadlineModeAndEnteringThatModeStopsTheTimer() {
        write(apic, REG_LVT_TIMER, VECTOR);
        apic.setTscDeadlineMsr(t.tsc.now() + 10);
        assertEquals(0, apic.tscDeadlineMsr());
        write(apic, REG_TIMER_INITIAL, 100);
        // Only TSC-deadline mode disarms a count; one-shot and periodic hand it on (ApicTimerModeChangeTest).
        write(apic, REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
        t.advance(1_000);
        assertFalse(interrupted());
        assertEquals(0, read(apic, REG_TIMER_INITIAL));
    }
}
