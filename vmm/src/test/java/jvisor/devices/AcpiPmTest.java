package jvisor.devices;

import static jvisor.devices.AcpiPm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.core.ShutdownCause;
import org.junit.jupiter.api.Test;

/** ACPI fixed hardware registers as the ACPI specification's PM1 and PM timer sections define them. */
class AcpiPmTest {
    private static final int BASE = PcLayout.ACPI_PM_BASE;
    private static final int GPE0 = PcLayout.ACPI_GPE0;
    /** 2^23 ticks of the PM timer: the carry of a 24-bit timer, as the FADT claims one. */
    private static final long CARRY_NANOS = Ticks.nanosAt(1L << 23, PcLayout.ACPI_PM_TIMER_HZ);
    private static final long WRAP_NANOS = Ticks.nanosAt(1L << 32, PcLayout.ACPI_PM_TIMER_HZ);

    private final ManualClock clock = new ManualClock(0);
    private final RecordingIrqLine sci = new RecordingIrqLine();
    private final RecordingShutdown shutdown = new RecordingShutdown();
    private final DeviceLog log = DeviceLog.discard("acpi");
    private final AcpiPm pm = new AcpiPm(sci, clock, shutdown, log);

    private int in16(int offset) {
        return pm.read(BASE + offset, 2);
    }

    private void out16(int offset, int value) {
        pm.write(BASE + offset, 2, value);
    }

    @Test
    void sciEnReadsOneWhateverIsWritten() {
        assertEquals(SCI_EN, in16(PM1_CNT) & SCI_EN);
        out16(PM1_CNT, 0);
        assertEquals(SCI_EN, in16(PM1_CNT) & SCI_EN);
    }

    /** ACPICA's sequence: write SLP_TYP alone, then SLP_TYP with SLP_EN. */
    @Test
    void sleepTypeS5WithSlpEnPowersOff() {
        int typ = PcLayout.ACPI_SLP_TYP_S5 << SLP_TYP_SHIFT;
        out16(PM1_CNT, typ | SCI_EN);
        assertEquals(List.of(), shutdown.causes());
        out16(PM1_CNT, typ | SLP_EN | SCI_EN);
        assertEquals(List.of(new ShutdownCause.PowerOff("ACPI S5")), shutdown.causes());
        assertEquals(0, in16(PM1_CNT) & SLP_EN, "SLP_EN is write-only");
    }

    @Test
    void otherSleepTypesAreLoggedAndIgnored() {
        int s3 = 1 << SLP_TYP_SHIFT;
        out16(PM1_CNT, s3 | SLP_EN);
        assertEquals(List.of(), shutdown.causes());
        assertEquals(1, log.count());
        assertEquals(s3 | SCI_EN, in16(PM1_CNT), "SLP_TYP reads back");
    }

    @Test
    void aByteWriteOfTheHighControlByteIsEnough() {
        pm.write(BASE + PM1_CNT + 1, 1, (PcLayout.ACPI_SLP_TYP_S5 << SLP_TYP_SHIFT | SLP_EN) >>> 8);
        assertEquals(List.of(new ShutdownCause.PowerOff("ACPI S5")), shutdown.causes());
    }

    @Test
    void thePmTimerCountsAt3579545Hz() {
        assertEquals(0, pm.read(BASE + PM_TMR, 4));
        clock.advanceMillis(1_000);
        assertEquals(3_579_545, pm.read(BASE + PM_TMR, 4));
        assertEquals(3_579_545 & 0xFF, pm.read(BASE + PM_TMR, 1));
        assertEquals(3_579_545 >>> 16 & 0xFF, pm.read(BASE + PM_TMR + 2, 1));
    }

    @Test
    void thePmTimerWrapsAt32Bits() {
        clock.advance(WRAP_NANOS);
        assertEquals(0, pm.read(BASE + PM_TMR, 4));
        clock.advance(Ticks.nanosAt(5, PcLayout.ACPI_PM_TIMER_HZ));
        assertEquals(5, pm.read(BASE + PM_TMR, 4));
    }

    @Test
    void powerButtonStatusRaisesSciOnlyWhenEnabledAndIsClearedByWritingOne() {
        pm.pressPowerButton();
        assertEquals(PWRBTN_STS, in16(PM1_STS));
        assertFalse(sci.level());
        out16(PM1_EN, PWRBTN_STS);
        assertTrue(sci.level());
        out16(PM1_STS, 0);
        assertTrue(sci.level(), "writing zero clears nothing");
        out16(PM1_STS, PWRBTN_STS);
        assertEquals(0, in16(PM1_STS));
        assertFalse(sci.level());
    }

    @Test
    void aDwordAtTheEventBlockCoversStatusAndEnable() {
        out16(PM1_EN, PWRBTN_STS | TMR_STS);
        pm.pressPowerButton();
        assertEquals(PWRBTN_STS | (PWRBTN_STS | TMR_STS) << 16, pm.read(BASE, 4));
    }

    @Test
    void timerStatusIsSetWhenBit23Flips() {
        clock.advance(CARRY_NANOS - 1);
        assertEquals(0, in16(PM1_STS) & TMR_STS);
        clock.advance(1);
        assertEquals(TMR_STS, in16(PM1_STS) & TMR_STS);
        assertFalse(sci.level(), "TMR_EN is off");
        out16(PM1_STS, TMR_STS);
        assertEquals(0, in16(PM1_STS) & TMR_STS);
    }

    @Test
    void timerEnableRaisesSciAtTheFlipWithoutTheGuestLooking() {
        out16(PM1_EN, TMR_STS);
        clock.advance(CARRY_NANOS - 1);
        assertFalse(sci.level());
        clock.advance(1);
        assertTrue(sci.level());
        out16(PM1_STS, TMR_STS);
        assertFalse(sci.level());
        clock.advance(CARRY_NANOS);
        assertTrue(sci.level(), "and again at the next flip");
    }

    @Test
    void unusedPortsFloat() {
        assertEquals(0xFFFF, pm.read(BASE + 6, 2));
    }

    @Test
    void gpe0EnableBytesKeepWhatIsWrittenAndStatusStaysClear() {
        assertEquals(0, pm.gpe0().read(GPE0, 4));
        pm.gpe0().write(GPE0 + 2, 2, 0x0102);
        assertEquals(0x0102 << 16, pm.gpe0().read(GPE0, 4));
        pm.gpe0().write(GPE0, 2, 0xFFFF);
        assertEquals(0x0102, pm.gpe0().read(GPE0 + 2, 2));
        assertEquals(0xFF01, pm.gpe0().read(GPE0 + 3, 2), "past the block floats");
        assertFalse(sci.level());
    }
}
