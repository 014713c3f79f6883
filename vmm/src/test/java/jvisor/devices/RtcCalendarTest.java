package jvisor.devices;

import static jvisor.devices.RtcCalendar.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The calendar registers' encodings, and that every time survives a trip through them. */
class RtcCalendarTest {
    private static final int[] MODES = {0, B_24_HOUR, B_BINARY, B_BINARY | B_24_HOUR};

    /** From 0000-01-01 to 9999-12-31 23:59:59: everything the year and century registers can hold. */
    @Property
    void anyTimeSurvivesTheRegisters(@ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long second,
                                     @ForAll @IntRange(min = 0, max = 3) int mode) {
        int[] ram = new int[128];
        store(ram, second, MODES[mode]);
        assertEquals(second, load(ram, MODES[mode]));
    }

    @Test
    void hoursIn12HourFormCarryThePmBit() {
        assertEquals(0x12, encodeHour(0, 0), "midnight: 12 AM");
        assertEquals(0x01, encodeHour(1, 0));
        assertEquals(HOUR_PM | 0x12, encodeHour(12, 0), "noon: 12 PM");
        assertEquals(HOUR_PM | 0x11, encodeHour(23, 0));
        assertEquals(HOUR_PM | 11, encodeHour(23, B_BINARY));
        assertEquals(0x23, encodeHour(23, B_24_HOUR));
        assertEquals(0, decodeHour(0x12, 0));
        assertEquals(12, decodeHour(HOUR_PM | 0x12, 0));
    }

    @Test
    void bcdAndBinaryEncodings() {
        assertEquals(0x59, encode(59, 0));
        assertEquals(59, encode(59, B_BINARY));
        assertEquals(42, decode(0x42, 0));
        assertEquals(0x42, decode(0x42, B_BINARY));
    }

    @Test
    void anAlarmFieldWithTheTopBitsSetMatchesAnyValue() {
        int[] ram = new int[128];
        ram[SECONDS_ALARM] = 0x30;
        ram[MINUTES_ALARM] = DONT_CARE;
        ram[HOURS_ALARM] = 0xFF;
        assertTrue(alarmMatches(ram, B_24_HOUR, 7 * 3600 + 13 * 60 + 30));
        assertFalse(alarmMatches(ram, B_24_HOUR, 7 * 3600 + 13 * 60 + 31));
    }
}
