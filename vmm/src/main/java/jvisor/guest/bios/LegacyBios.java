package jvisor.guest.bios;

import java.time.Instant;
import java.time.ZoneOffset;
import jvisor.bus.PcLayout;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.GuestMemory;

/**
 * What a PC BIOS leaves behind for a kernel that QEMU boots with {@code -kernel} (SeaBIOS's
 * power-on self test, then QEMU's multiboot option ROM), for guests written against it: a
 * real-mode program that enables interrupts finds the BIOS's timer ticking, an interrupt vector
 * table whose every entry leads to a handler in the BIOS ROM, and the BIOS data area filled in.
 *
 * <ul>
 *   <li>The PICs at vectors 0x08 and 0x70 with the masks SeaBIOS leaves on QEMU's "pc" machine
 *       ({@link #MASTER_MASK}, {@link #SLAVE_MASK}: the timer, keyboard, floppy, RTC, mouse, FPU
 *       and primary ATA lines open; the devices jvisor lacks simply never raise theirs).
 *   <li>The ELCR with IRQ 10 and 11 level-triggered, the ISA IRQs SeaBIOS routes the PIIX's four
 *       PCI interrupt lines to. jvisor's PCI INTx reach only the IOAPIC, but a guest that drives
 *       those lines itself (QEMU's pc-testdev) sees them level-sensed, as under QEMU.
 *   <li>PIT counter 0 in mode 2 with the count 0 (65536): IRQ 0 at 18.2 Hz.
 *   <li>Interrupt vectors: a bare IRET for every software interrupt, handlers that end the
 *       interrupt at the PICs for every hardware line, INT 08h counting the ticks at 0040:006C
 *       (with midnight rollover, then INT 1Ch for programs that hook the tick), INT 70h
 *       acknowledging the RTC, INT 11h and 12h answering from the data area. The handlers sit at
 *       the addresses the IBM PC's BIOS fixed for them in segment F000, which is write-protected
 *       like a shadowed BIOS.
 *   <li>The data area: COM1, the equipment word (FPU, one serial port), base memory, the EBDA
 *       segment (see PlatformTables), an empty keyboard buffer and the tick count since midnight.
 * </ul>
 *
 * The PICs, the ELCR and the PIT are {@link #PLATFORM}, which each engine applies before the
 * kernel's first instruction (emu replays the firmware's port writes into its devices, kvm sets
 * its in-kernel ones to the same registers), so the kernel's entry is its first instruction, in
 * a debugger and the call tracer as before.
 */
public final class LegacyBios {
    public static final int SEGMENT = 0xF000;
    public static final long ROM_BASE = 0xF0000;
    public static final long ROM_END = 0x10_0000;
    /** The BIOS's code takes the top of the ROM; the platform tables go below. */
    public static final long CODE_BASE = 0xFD000;

    public static final int MASTER_VECTOR_BASE = 0x08;
    public static final int SLAVE_VECTOR_BASE = 0x70;
    public static final int MASTER_MASK = 0xB8;
    public static final int SLAVE_MASK = 0x8E;
    public static final int ELCR_MASTER = 0x00;
    public static final int ELCR_SLAVE = 0x0C;
    /** Counter 0 as a rate generator (mode 2) dividing by 65536: IRQ 0 at 18.2 Hz. */
    public static final int PIT_COUNTER0_MODE = 2;
    public static final int TICK_DIVISOR = 0x1_0000;
    /** What SeaBIOS leaves in the PICs, the ELCR and the PIT on QEMU's "pc" machine. */
    public static final BiosPlatformState PLATFORM = new BiosPlatformState(MASTER_VECTOR_BASE, SLAVE_VECTOR_BASE,
            MASTER_MASK, SLAVE_MASK, ELCR_MASTER, ELCR_SLAVE, PIT_COUNTER0_MODE, TICK_DIVISOR);

    /** BIOS data area offsets (from 0x400). */
    static final int BDA_EQUIPMENT = 0x10;
    static final int BDA_BASE_MEMORY_KIB = 0x13;
    static final int BDA_KEYBOARD_HEAD = 0x1A;
    static final int BDA_KEYBOARD_TAIL = 0x1C;
    static final int BDA_TICKS = 0x6C;
    static final int BDA_MIDNIGHT = 0x70;
    static final int BDA_KEYBOARD_START = 0x80;
    static final int BDA_KEYBOARD_END = 0x82;
    static final int KEYBOARD_BUFFER = 0x1E;
    static final int KEYBOARD_BUFFER_END = 0x3E;
    /** Equipment word: a math coprocessor, and one serial port in bits 11:9. */
    static final int EQUIPMENT = 0x0002 | 1 << 9;
    /** The tick count wraps at midnight: 24 hours of 1193182 / 65536 Hz ticks. */
    public static final long TICKS_PER_DAY = 0x18_00B0;

    private LegacyBios() { }

    /**
     * Writes the ROM, the vector table and the data area into {@code ram} and write-protects the
     * ROM. {@code now} sets the tick count, as the BIOS reads it from the RTC. The PICs and the PIT
     * are the engine's to set ({@link #PLATFORM}).
     */
    public static void install(GuestMemory ram, Instant now) {
        BiosRom rom = BiosRom.build();
        ram.write(rom.base(), rom.bytes());
        writeVectors(ram, rom);
        writeDataArea(ram, now);
        ram.protectFromProcessorWrites(ROM_BASE, ROM_END - ROM_BASE);
    }

    /** The real-mode interrupt vector table: every vector leads into the ROM. */
    static void writeVectors(GuestMemory ram, BiosRom rom) {
        for (int vector = 0; vector < 256; vector++) {
            ram.write32(vector * 4L, farPointer(rom.handlerOffset(vector)));
        }
        // INT 60h-66h are reserved for programs: left null, so a program can tell they are free.
        for (int vector = 0x60; vector <= 0x66; vector++) {
            ram.write32(vector * 4L, 0);
        }
    }

    private static int farPointer(int offset) {
        return SEGMENT << 16 | offset;
    }

    static void writeDataArea(GuestMemory ram, Instant now) {
        long bda = PcLayout.BDA;
        ram.write16(bda + BDA_EQUIPMENT, EQUIPMENT);
        ram.write16(bda + BDA_BASE_MEMORY_KIB, (int) (PcLayout.EBDA / 1024));
        ram.write16(bda + BDA_KEYBOARD_HEAD, KEYBOARD_BUFFER);
        ram.write16(bda + BDA_KEYBOARD_TAIL, KEYBOARD_BUFFER);
        ram.write16(bda + BDA_KEYBOARD_START, KEYBOARD_BUFFER);
        ram.write16(bda + BDA_KEYBOARD_END, KEYBOARD_BUFFER_END);
        ram.write32(bda + BDA_TICKS, (int) ticksSinceMidnight(now));
        ram.write8(bda + BDA_MIDNIGHT, 0);
    }

    /** The BIOS tick count at {@code now} (UTC, the RTC's time): timer periods since midnight. */
    static long ticksSinceMidnight(Instant now) {
        long millis = now.atOffset(ZoneOffset.UTC).toLocalTime().toNanoOfDay() / 1_000_000;
        return Math.min(TICKS_PER_DAY - 1, millis * PcLayout.PIT_HZ / (TICK_DIVISOR * 1000L));
    }
}
