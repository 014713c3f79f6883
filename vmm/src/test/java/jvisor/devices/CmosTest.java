package jvisor.devices;

import static jvisor.devices.Cmos.*;
import static jvisor.devices.RtcCalendar.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** The MC146818 RTC and CMOS RAM, driven by a manual clock. */
class CmosTest {
    /** Host time at the start: a leap day, two seconds before midnight UTC, a Thursday. */
    private static final Instant START = Instant.parse("2024-02-29T23:59:58Z");
    private static final long MIB = 1024 * 1024;

    private final ManualClock clock = new ManualClock(START.getEpochSecond() * 1_000_000_000L);
    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final Cmos cmos = new Cmos(irq, clock, new CmosMemorySizes(256 * MIB, 0, 2), DeviceLog.discard("rtc"));

    private int in(int register) {
        cmos.write(PcLayout.CMOS, 1, register);
        return cmos.read(PcLayout.CMOS + 1, 1);
    }

    private void out(int register, int value) {
        cmos.write(PcLayout.CMOS, 1, register);
        cmos.write(PcLayout.CMOS + 1, 1, value);
    }

    @Test
    void timeOfDayComesFromTheHostInBcdAnd24Hours() {
        assertEquals(0x58, in(SECONDS));
        assertEquals(0x59, in(MINUTES));
        assertEquals(0x23, in(HOURS));
        assertEquals(0x05, in(DAY_OF_WEEK), "Thursday, counting Sunday as 1");
        assertEquals(0x29, in(DAY_OF_MONTH));
        assertEquals(0x02, in(MONTH));
        assertEquals(0x24, in(YEAR));
        assertEquals(0x20, in(CENTURY));
    }

    @Test
    void theClockRunsAcrossMidnightAndTheLeapDay() {
        clock.advanceMillis(2_000);
        assertEquals(0x00, in(SECONDS));
        assertEquals(0x00, in(HOURS));
        assertEquals(0x01, in(DAY_OF_MONTH));
        assertEquals(0x03, in(MONTH));
        assertEquals(0x06, in(DAY_OF_WEEK));
    }

    @Test
    void statusBSelectsBinaryAnd12HourForms() {
        out(REG_B, B_BINARY);
        assertEquals(59, in(MINUTES));
        assertEquals(HOUR_PM | 11, in(HOURS), "11 PM");
        out(REG_B, 0);
        assertEquals(HOUR_PM | 0x11, in(HOURS), "11 PM in BCD");
        clock.advanceMillis(2_000);
        assertEquals(0x12, in(HOURS), "midnight is 12 AM");
    }

    @Test
    void updateInProgressCoversTheEndOfEachSecond() {
        assertEquals(0, in(REG_A) & A_UIP);
        clock.advance(1_000_000_000L - UPDATE_WINDOW_NANOS - 1);
        assertEquals(0, in(REG_A) & A_UIP);
        clock.advance(1);
        assertEquals(A_UIP, in(REG_A) & A_UIP);
        assertEquals(0x58, in(SECONDS), "the registers change when the update ends");
        clock.advance(UPDATE_WINDOW_NANOS);
        assertEquals(0, in(REG_A) & A_UIP);
        assertEquals(0x59, in(SECONDS));
        assertEquals(A_AT_RESET, in(REG_A));
    }

    /** Linux's mc146818_set_time: SET, write the fields, clear SET. */
    @Test
    void theGuestSetsTheTimeWithTheSetBit() {
        out(REG_B, B_SET | B_24_HOUR);
        out(SECONDS, 0x00);
        out(MINUTES, 0x30);
        out(HOURS, 0x12);
        out(DAY_OF_MONTH, 0x01);
        out(MONTH, 0x01);
        out(YEAR, 0x00);
        out(CENTURY, 0x20);
        clock.advanceMillis(5_000);
        assertEquals(0x00, in(SECONDS), "frozen while SET is on");
        out(REG_B, B_24_HOUR);
        clock.advanceMillis(1_500);
        assertEquals(0x01, in(SECONDS));
        assertEquals(0x30, in(MINUTES));
        assertEquals(0x12, in(HOURS));
        assertEquals(0x00, in(YEAR));
        assertEquals(0x07, in(DAY_OF_WEEK), "2000-01-01 was a Saturday");
    }

    @Test
    void aTimeFieldWrittenWhileRunningMovesTheClock() {
        out(HOURS, 0x05);
        assertEquals(0x05, in(HOURS));
        assertEquals(0x58, in(SECONDS));
        clock.advanceMillis(1_000);
        assertEquals(0x59, in(SECONDS));
        assertEquals(0x05, in(HOURS));
    }

    @Test
    void settingSetClearsUie() {
        out(REG_B, B_UIE | B_24_HOUR);
        out(REG_B, B_SET | B_UIE | B_24_HOUR);
        assertEquals(B_SET | B_24_HOUR, in(REG_B));
    }

    @Test
    void aDividerHeldInResetFreezesTheClockAndRestartsHalfASecondLate() {
        out(REG_A, 0x70);
        clock.advanceMillis(10_000);
        assertEquals(0x58, in(SECONDS));
        assertEquals(0, in(REG_A) & A_UIP);
        out(REG_A, A_AT_RESET);
        clock.advanceMillis(499);
        assertEquals(0x58, in(SECONDS));
        clock.advanceMillis(1);
        assertEquals(0x59, in(SECONDS));
    }

    @Test
    void periodicInterruptAtTheSelectedRate() {
        out(REG_A, A_DIVIDER_RUNNING | 0x0F);
        out(REG_B, B_PIE | B_24_HOUR);
        clock.advanceMillis(499);
        assertFalse(irq.level());
        clock.advanceMillis(1);
        assertTrue(irq.level(), "2 Hz: the first tick after half a second");
        assertEquals(C_IRQF | C_PF, in(REG_C));
        assertFalse(irq.level(), "reading C drops the line");
        assertEquals(0, in(REG_C));
        clock.advanceMillis(500);
        assertTrue(irq.level());
        assertEquals(2, irq.risingEdges());
    }

    /** Rates 1, 2 and 6 are 256, 128 and 1024 Hz; ticks keep the divider chain's phase across rate changes. */
    @Test
    void rateSelectFollowsTheDatasheetTable() {
        out(REG_A, A_DIVIDER_RUNNING | 0x01);
        clock.advance(3_906_249);
        assertEquals(0, in(REG_C) & C_PF);
        clock.advance(1);
        assertEquals(C_PF, in(REG_C) & C_PF, "256 Hz: a tick at 3906250 ns");
        out(REG_A, A_DIVIDER_RUNNING | 0x02);
        clock.advance(3_906_249);
        assertEquals(0, in(REG_C) & C_PF);
        clock.advance(1);
        assertEquals(C_PF, in(REG_C) & C_PF, "128 Hz: a tick at 7812500 ns");
        out(REG_A, A_AT_RESET);
        clock.advance(976_562);
        assertEquals(0, in(REG_C) & C_PF);
        clock.advance(1);
        assertEquals(C_PF, in(REG_C) & C_PF, "1024 Hz: the ninth tick at 8789063 ns");
    }

    @Test
    void flagsAreSetWithoutTheirEnablesButRaiseNothing() {
        clock.advanceMillis(1_000);
        assertEquals(C_PF | C_UF, in(REG_C));
        assertEquals(0, irq.risingEdges());
        assertFalse(clock.anyTimerArmed(), "nothing enabled, nothing to wake for");
    }

    @Test
    void updateEndedInterruptOncePerSecond() {
        out(REG_B, B_UIE | B_24_HOUR);
        clock.advanceMillis(999);
        assertFalse(irq.level());
        clock.advanceMillis(1);
        assertTrue(irq.level());
        assertEquals(C_IRQF | C_UF, in(REG_C) & ~C_PF);
        assertEquals(0x59, in(SECONDS));
    }

    @Test
    void alarmInterruptWhenTheTimeMatches() {
        out(SECONDS_ALARM, 0x03);
        out(MINUTES_ALARM, 0x00);
        out(HOURS_ALARM, 0x00);
        out(REG_B, B_AIE | B_24_HOUR);
        clock.advanceMillis(4_000);
        assertFalse(irq.level(), "00:00:02 does not match");
        assertEquals(C_UF, in(REG_C) & (C_UF | C_AF | C_IRQF));
        clock.advanceMillis(1_000);
        assertTrue(irq.level());
        assertEquals(C_IRQF | C_AF | C_UF, in(REG_C) & (C_UF | C_AF | C_IRQF));
    }

    @Test
    void alarmBytesWithTheTopBitsSetMatchAnything() {
        out(SECONDS_ALARM, DONT_CARE);
        out(MINUTES_ALARM, 0xFF);
        out(HOURS_ALARM, DONT_CARE);
        out(REG_B, B_AIE | B_24_HOUR);
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(1_000);
            assertTrue(irq.level());
            assertEquals(C_AF, in(REG_C) & C_AF);
        }
    }

    @Test
    void anAlarmPassedDuringALongGapIsStillSeen() {
        out(SECONDS_ALARM, 0x00);
        out(MINUTES_ALARM, 0x00);
        out(HOURS_ALARM, 0x12);
        clock.advanceMillis(3 * 86_400_000L);
        assertEquals(C_AF, in(REG_C) & C_AF);
    }

    @Test
    void statusDReportsValidRamAndCIsClearedByReading() {
        assertEquals(D_VRT, in(REG_D));
        out(REG_D, 0);
        out(REG_C, 0xFF);
        assertEquals(D_VRT, in(REG_D));
        assertEquals(0, in(REG_C));
    }

    @Test
    void theIndexPortCarriesTheNmiMaskAndReadsAsFloating() {
        cmos.write(PcLayout.CMOS, 1, NMI_DISABLE | REG_D);
        assertTrue(cmos.nmiMasked());
        assertEquals(D_VRT, cmos.read(PcLayout.CMOS + 1, 1));
        assertEquals(0xFF, cmos.read(PcLayout.CMOS, 1));
        cmos.write(PcLayout.CMOS, 1, REG_D);
        assertFalse(cmos.nmiMasked());
    }

    @Test
    void ramBytesKeepWhatIsWritten() {
        out(0x40, 0xA5);
        out(0x7F, 0x5A);
        assertEquals(0xA5, in(0x40));
        assertEquals(0x5A, in(0x7F));
    }

    @Test
    void memorySizesAsQemuLaysThemOut() {
        assertEquals(640, in(0x15) | in(0x16) << 8, "base memory, KiB");
        assertEquals(0xFFFF, in(0x17) | in(0x18) << 8, "255 MiB above 1 MiB is capped");
        assertEquals(0xFFFF, in(0x30) | in(0x31) << 8);
        assertEquals((256 - 16) * 16, in(0x34) | in(0x35) << 8, "64 KiB units above 16 MiB");
        assertEquals(0, in(0x5B) | in(0x5C) << 8 | in(0x5D) << 16);
        assertEquals(1, in(0x5F), "processors less one");
    }

    @Test
    void memoryAboveFourGiBIsCountedIn64KiBUnits() {
        Cmos big = new Cmos(irq, clock, new CmosMemorySizes(3072 * MIB, 3072 * MIB, 4), DeviceLog.discard("rtc"));
        int[] bytes = new int[3];
        for (int i = 0; i < 3; i++) {
            big.write(PcLayout.CMOS, 1, 0x5B + i);
            bytes[i] = big.read(PcLayout.CMOS + 1, 1);
        }
        assertEquals(3072 * 16, bytes[0] | bytes[1] << 8 | bytes[2] << 16);
        big.write(PcLayout.CMOS, 1, 0x17);
        assertEquals(0xFF, big.read(PcLayout.CMOS + 1, 1));
    }

    @Test
    void smallMemoryIsNotRoundedUp() {
        Cmos tiny = new Cmos(irq, clock, new CmosMemorySizes(512 * 1024, 0, 1), DeviceLog.discard("rtc"));
        tiny.write(PcLayout.CMOS, 1, 0x15);
        int low = tiny.read(PcLayout.CMOS + 1, 1);
        tiny.write(PcLayout.CMOS, 1, 0x16);
        assertEquals(512, low | tiny.read(PcLayout.CMOS + 1, 1) << 8);
        tiny.write(PcLayout.CMOS, 1, 0x17);
        assertEquals(0, tiny.read(PcLayout.CMOS + 1, 1));
    }

    @Test
    void garbageInTheTimeRegistersStillGivesAWorkingClock() {
        out(REG_B, B_SET | B_24_HOUR);
        for (int register : new int[] {SECONDS, MINUTES, HOURS, DAY_OF_MONTH, MONTH, YEAR, CENTURY}) {
            out(register, 0xFF);
        }
        out(REG_B, B_24_HOUR);
        assertEquals(0x59, in(SECONDS), "clamped to the largest valid value");
        assertEquals(0x12, in(MONTH));
        clock.advanceMillis(1_000);
        assertEquals(0x00, in(SECONDS));
    }
}
