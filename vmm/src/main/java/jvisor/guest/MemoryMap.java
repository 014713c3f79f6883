package jvisor.guest;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.engine.GuestMemory;

/**
 * The guest-physical memory map a BIOS reports through INT 15h E820 and a boot loader passes on
 * (multiboot mmap, Linux e820 table), laid out like QEMU's "pc" machine under SeaBIOS: RAM below
 * the EBDA, the EBDA and the BIOS area reserved, RAM from 1 MiB to the PCI hole, the PCI Express
 * configuration window (ECAM), the IOAPIC and
 * local APIC pages and the BIOS flash alias reserved, and the rest of RAM from 4 GiB.
 */
public record MemoryMap(List<Entry> entries) {
    /** E820 range types. */
    public enum Type {
        USABLE(1), RESERVED(2), ACPI_RECLAIMABLE(3), ACPI_NVS(4);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** The number E820 and multiboot give this type. */
        public int code() {
            return code;
        }
    }

    /** One range {@code [base, base + length)} of one type. */
    public record Entry(long base, long length, Type type) {
        public Entry {
            if (base < 0 || length <= 0 || base + length < base) {
                throw new IllegalArgumentException(String.format("bad memory map entry %#x+%#x", base, length));
            }
        }

        public long end() {
            return base + length;
        }

        @Override
        public String toString() {
            return String.format("[%#012x-%#012x) %s", base, end(), type.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** The BIOS ROM's alias below 4 GiB that SeaBIOS reports reserved; some guests expect it. */
    public static final long BIOS_FLASH = 0xFFFC_0000L;

    public MemoryMap {
        entries = List.copyOf(entries);
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).base() < entries.get(i - 1).end()) {
                throw new IllegalArgumentException("memory map entries overlap or are unsorted: " + entries);
            }
        }
    }

    /** The map for a guest with this RAM. */
    public static MemoryMap of(GuestMemory ram) {
        return of(ram.lowSize(), ram.size() - ram.lowSize());
    }

    /** The map for {@code lowSize} bytes of RAM from 0 and {@code highSize} bytes from 4 GiB. */
    public static MemoryMap of(long lowSize, long highSize) {
        if (lowSize <= PcLayout.HIGH_MEMORY || lowSize > GuestMemory.LOW_RAM_LIMIT || highSize < 0) {
            throw new IllegalArgumentException(String.format("unsupported RAM layout %#x + %#x", lowSize, highSize));
        }
        List<Entry> e = new ArrayList<>();
        e.add(new Entry(0, PcLayout.EBDA, Type.USABLE));
        e.add(new Entry(PcLayout.EBDA, PcLayout.VGA_HOLE - PcLayout.EBDA, Type.RESERVED));
        e.add(new Entry(PcLayout.BIOS_AREA, PcLayout.HIGH_MEMORY - PcLayout.BIOS_AREA, Type.RESERVED));
        e.add(new Entry(PcLayout.HIGH_MEMORY, lowSize - PcLayout.HIGH_MEMORY, Type.USABLE));
        e.add(new Entry(PcLayout.PCI_ECAM_BASE, PcLayout.PCI_ECAM_SIZE, Type.RESERVED));
        e.add(new Entry(PcLayout.IOAPIC_BASE, PcLayout.PAGE, Type.RESERVED));
        e.add(new Entry(PcLayout.LAPIC_BASE, PcLayout.PAGE, Type.RESERVED));
        e.add(new Entry(BIOS_FLASH, GuestMemory.HIGH_RAM_BASE - BIOS_FLASH, Type.RESERVED));
        if (highSize > 0) {
            e.add(new Entry(GuestMemory.HIGH_RAM_BASE, highSize, Type.USABLE));
        }
        return new MemoryMap(e);
    }

    /** The usable ranges, in address order. */
    public List<Entry> usable() {
        return entries.stream().filter(x -> x.type() == Type.USABLE).toList();
    }

    /** Whether all of {@code [base, base + length)} lies in one usable range. */
    public boolean isUsable(long base, long length) {
        return usable().stream().anyMatch(x -> base >= x.base() && base + length <= x.end() && base + length >= base);
    }

    /** Base memory in KiB below the EBDA, as the BIOS reports at 0x413 and INT 12h. */
    public long lowerMemoryKib() {
        return PcLayout.EBDA / 1024;
    }

    /** KiB of RAM from 1 MiB to the first hole: multiboot's mem_upper. */
    public long upperMemoryKib() {
        return usable().stream().filter(x -> x.base() == PcLayout.HIGH_MEMORY)
                .mapToLong(x -> x.length() / 1024).findFirst().orElse(0);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Entry x : entries) {
            b.append(x).append(System.lineSeparator());
        }
        return b.toString();
    }
}
