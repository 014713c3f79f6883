package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_TIMER;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_CURRENT;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_DIVIDE;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TIMER_INITIAL;
import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.read;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Changing the timer's mode between one-shot and periodic keeps the count (kvm-unit-tests apic, KVM). */
class ApicTimerModeChangeTest {
    private static final int MASKED = ApicRegisters.LVT_MASKED;
    private static final int PERIODIC = 1 << 17;
    private static final int TSC_DEADLINE = 2 << 17;
    private static final int DIVIDE_BY_1 = 0xB;

    private final TestPlatform t = new TestPlatform(1);
    private final LocalApic apic = t.apic(0);

    @BeforeEach
    void setUp() {
        enable(apic);
        t.advance(1_000_000_000);
        write(apic, REG_TIMER_DIVIDE, DIVIDE_BY_1);
        write(apic, REG_LVT_TIMER, MASKED);
    }

    @Test
    void theInitialCountSurvivesAModeChange() {
        write(apic, REG_TIMER_INITIAL, 1000);
        write(apic, REG_LVT_TIMER, MASKED | PERIODIC);
        assertEquals(1000, read(apic, REG_TIMER_INITIAL));
    }

    @Test
    void aOneShotCountTurnedPeriodicGoesOnAndThenWraps() {
        write(apic, REG_TIMER_INITIAL, 1000);
        t.advance(700);
        write(apic, REG_LVT_TIMER, MASKED | PERIODIC);
        assertEquals(300, read(apic, REG_TIMER_CURRENT), "not reset to the initial count");
        t.advance(400);
        assertEquals(900, read(apic, REG_TIMER_CURRENT), "wrapped to the initial count");
    }

    @Test
    void aPeriodicCountTurnedOneShotStopsAtZero() {
        write(apic, REG_LVT_TIMER, MASKED | PERIODIC);
        write(apic, REG_TIMER_INITIAL, 1000);
        t.advance(2600);
        write(apic, REG_LVT_TIMER, MASKED);
        assertEquals(400, read(apic, REG_TIMER_CURRENT));
        t.advance(1000);
        assertEquals(0, read(apic, REG_TIMER_CURRENT));
        write(apic, REG_LVT_TIMER, MASKED | PERIODIC);
        t.advance(100);
        assertEquals(0, read(apic, REG_TIMER_CURRENT), "a count at zero stays there");
    }

    @Test
    void tscDeadlineModeDisarmsTheCount() {
        write(apic, REG_TIMER_INITIAL, 1000);
        write(apic, REG_LVT_TIMER, MASKED | TSC_DEADLINE);
        write(apic, REG_LVT_TIMER, MASKED);
        assertEquals(0, read(apic, REG_TIMER_INITIAL));
        assertEquals(0, read(apic, REG_TIMER_CURRENT));
    }
}
