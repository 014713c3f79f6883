package jvisor.engine.emu.platform;

/** The delivery mode of an interrupt message on the APIC bus (ICR, LVT and IOAPIC bits 10:8). */
enum DeliveryMode {
    FIXED, LOWEST_PRIORITY, SMI, RESERVED, NMI, INIT, STARTUP, EXTINT;

    private static final DeliveryMode[] BY_CODE = values();

    static DeliveryMode decode(int bits) {
        return BY_CODE[bits & 7];
    }

    int code() {
        return ordinal();
    }
}
