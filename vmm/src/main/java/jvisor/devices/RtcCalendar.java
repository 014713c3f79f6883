package jvisor.devices;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The MC146818's calendar registers: a time written into them and read back out, in BCD or
 * binary and in 24- or 12-hour form as status register B says. Whatever a guest left in the
 * registers decodes to some valid time; nothing here throws on guest data.
 */
final class RtcCalendar {
    static final int SECONDS = 0x00;
    static final int SECONDS_ALARM = 0x01;
    static final int MINUTES = 0x02;
    static final int MINUTES_ALARM = 0x03;
    static final int HOURS = 0x04;
    static final int HOURS_ALARM = 0x05;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    /** Where PC firmware keeps the century (the ACPI FADT's CENTURY field points here). */
    static final int CENTURY = 0x32;

    static final int B_BINARY = 0x04;
    static final int B_24_HOUR = 0x02;
    static final int HOUR_PM = 0x80;
    /** An alarm byte with both top bits set matches every value. */
    static final int DONT_CARE = 0xC0;

    private static final int SECONDS_PER_DAY = 86_400;

    private RtcCalendar() { }

    /** Whether {@code register} is one of the calendar's time-keeping bytes. */
    static boolean isTimeRegister(int register) {
        return register == SECONDS || register == MINUTES || register == HOURS || register == CENTURY
                || (register >= DAY_OF_WEEK && register <= YEAR);
    }

    static void store(int[] ram, long epochSecond, int statusB) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        ram[SECONDS] = encode(t.getSecond(), statusB);
        ram[MINUTES] = encode(t.getMinute(), statusB);
        ram[HOURS] = encodeHour(t.getHour(), statusB);
        ram[DAY_OF_WEEK] = encode(t.getDayOfWeek().getValue() % 7 + 1, statusB);
        ram[DAY_OF_MONTH] = encode(t.getDayOfMonth(), statusB);
        ram[MONTH] = encode(t.getMonthValue(), statusB);
        ram[YEAR] = encode(Math.floorMod(t.getYear(), 100), statusB);
        ram[CENTURY] = encode(Math.floorMod(Math.floorDiv(t.getYear(), 100), 100), statusB);
    }

    /** The time the registers hold, in seconds since the epoch; out-of-range fields are clamped. */
    static long load(int[] ram, int statusB) {
        int second = clamp(decode(ram[SECONDS], statusB), 0, 59);
        int minute = clamp(decode(ram[MINUTES], statusB), 0, 59);
        int hour = decodeHour(ram[HOURS], statusB);
        int day = clamp(decode(ram[DAY_OF_MONTH], statusB), 1, 31);
        int month = clamp(decode(ram[MONTH], statusB), 1, 12);
        int year = clamp(decode(ram[CENTURY], statusB), 0, 99) * 100 + clamp(decode(ram[YEAR], statusB), 0, 99);
        LocalDate date = LocalDate.of(year, month, 1).plusDays(day - 1L);
        return date.toEpochDay() * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second;
    }

    /** Whether the alarm registers match the time of day of {@code epochSecond}. */
    static boolean alarmMatches(int[] ram, int statusB, long epochSecond) {
        int secondOfDay = (int) Math.floorMod(epochSecond, (long) SECONDS_PER_DAY);
        int alarmSecond = ram[SECONDS_ALARM];
        int alarmMinute = ram[MINUTES_ALARM];
        int alarmHour = ram[HOURS_ALARM];
        return (dontCare(alarmSecond) || decode(alarmSecond, statusB) == secondOfDay % 60)
                && (dontCare(alarmMinute) || decode(alarmMinute, statusB) == secondOfDay / 60 % 60)
                && (dontCare(alarmHour) || decodeHour(alarmHour, statusB) == secondOfDay / 3600);
    }

    private static boolean dontCare(int alarm) {
        return (alarm & DONT_CARE) == DONT_CARE;
    }

    static int encode(int value, int statusB) {
        return (statusB & B_BINARY) != 0 ? value : (value / 10) << 4 | value % 10;
    }

    static int decode(int value, int statusB) {
        return (statusB & B_BINARY) != 0 ? value : (value >> 4 & 0x0F) * 10 + (value & 0x0F);
    }

    /** 24-hour mode stores 0-23; 12-hour mode stores 1-12 with bit 7 set after noon. */
    static int encodeHour(int hour, int statusB) {
        if ((statusB & B_24_HOUR) != 0) {
            return encode(hour, statusB);
        }
        int twelve = hour % 12 == 0 ? 12 : hour % 12;
        return encode(twelve, statusB) | (hour >= 12 ? HOUR_PM : 0);
    }

    static int decodeHour(int value, int statusB) {
        if ((statusB & B_24_HOUR) != 0) {
            return clamp(decode(value, statusB), 0, 23);
        }
        int twelve = clamp(decode(value & ~HOUR_PM, statusB), 1, 12);
        return twelve % 12 + ((value & HOUR_PM) != 0 ? 12 : 0);
    }

    private static int clamp(int value, int low, int high) {
        return Math.max(low, Math.min(high, value));
    }
}
