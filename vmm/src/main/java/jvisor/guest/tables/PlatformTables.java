package jvisor.guest.tables;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.engine.GuestMemory;
import jvisor.guest.bios.LegacyBios;

/**
 * The firmware tables a BIOS leaves for the OS, placed where guests look for them: ACPI tables
 * from the start of the BIOS area (0xE0000), the RSDP and the MP floating pointer and table in
 * the BIOS ROM range from 0xF0000, and the BIOS data area's EBDA segment and base memory size.
 * The memory map reserves all of it, so the guest loaders never place anything there.
 *
 * <p>Building is apart from writing: {@link #build} is a pure function of the processor count,
 * so tests can parse the result and fw_cfg can serve the same bytes.
 */
public record PlatformTables(List<Blob> blobs, long rsdp, long mpFloatingPointer) {
    /** One table and where it goes. {@code name} is its signature. */
    public record Blob(String name, long address, byte[] bytes) {
        public long end() {
            return address + bytes.length;
        }
    }

    public static final long ACPI_BASE = PcLayout.BIOS_AREA;
    /** The ROM range (0xF0000-0xFFFFF) that the MP specification's scan covers; the RSDP's does too. */
    public static final long ROM_BASE = 0xF0000;
    public static final long AREA_END = PcLayout.HIGH_MEMORY;
    /** BIOS data area fields. */
    public static final long BDA_COM1 = PcLayout.BDA;
    public static final long BDA_EBDA_SEGMENT = PcLayout.BDA + 0x0E;
    public static final long BDA_BASE_MEMORY_KIB = PcLayout.BDA + 0x13;
    /** The EBDA's first byte: its own size in KiB. */
    public static final int EBDA_SIZE_KIB = (int) ((PcLayout.VGA_HOLE - PcLayout.EBDA) / 1024);

    public PlatformTables {
        blobs = List.copyOf(blobs);
    }

    /** Writes the tables into guest RAM once it exists; the loader ran just before. */
    @InitFunction(stage = Stage.GLOBAL, order = 2)
    public static void install(Processor p) {
        if (p.vmm().ram().firmware().isPresent()) {
            return; // the firmware places them (TableLoader) and builds the MP table itself
        }
        PlatformTables tables = build(p.vmm().cpuCount());
        tables.writeTo(p.vmm().ram());
        p.vmm().trace().step(p, "platform_tables", String.format("RSDP at %#x, MP floating pointer at %#x",
                tables.rsdp(), tables.mpFloatingPointer()));
    }

    /** Every table for a machine with {@code cpus} processors, with its address. */
    public static PlatformTables build(int cpus) {
        if (cpus < 1 || cpus > 0xFE) {
            throw new IllegalArgumentException("processor count out of range for xAPIC tables: " + cpus);
        }
        List<Blob> blobs = new ArrayList<>();
        Area acpi = new Area(ACPI_BASE, ROM_BASE);
        long facs = acpi.add(blobs, Facs.SIGNATURE, Facs.build(), Facs.ALIGNMENT);
        long dsdt = acpi.add(blobs, Dsdt.SIGNATURE, Dsdt.build(cpus), 16);
        long fadt = acpi.add(blobs, Fadt.SIGNATURE, Fadt.build(facs, dsdt), 16);
        long madt = acpi.add(blobs, Madt.SIGNATURE, Madt.build(cpus), 16);
        long mcfg = acpi.add(blobs, Mcfg.SIGNATURE, Mcfg.build(), 16);
        List<Long> described = List.of(fadt, madt, mcfg);
        long rsdt = acpi.add(blobs, "RSDT", RootTables.rsdt(described), 16);
        long xsdt = acpi.add(blobs, "XSDT", RootTables.xsdt(described), 16);
        Area rom = new Area(ROM_BASE, LegacyBios.CODE_BASE);
        long rsdp = rom.add(blobs, "RSDP", RootTables.rsdp(rsdt, xsdt), 16);
        long floating = rom.reserve(MpTable.FLOATING_LENGTH, 16);
        long config = rom.add(blobs, MpTable.CONFIG_SIGNATURE, MpTable.configuration(cpus), 16);
        blobs.add(new Blob(MpTable.FLOATING_SIGNATURE, floating, MpTable.floatingPointer(config)));
        return new PlatformTables(blobs, rsdp, floating);
    }

    /** The table named {@code name}. */
    public Blob blob(String name) {
        return blobs.stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no table " + name));
    }

    /** Writes every table, and the BIOS data area fields that point at the EBDA. */
    public void writeTo(GuestMemory ram) {
        for (Blob b : blobs) {
            ram.write(b.address(), b.bytes());
        }
        ram.write16(BDA_COM1, PcLayout.COM1);
        ram.write16(BDA_EBDA_SEGMENT, (int) (PcLayout.EBDA >>> 4));
        ram.write16(BDA_BASE_MEMORY_KIB, (int) (PcLayout.EBDA / 1024));
        ram.write8(PcLayout.EBDA, EBDA_SIZE_KIB);
    }

    /** A bump allocator over one part of the BIOS area. */
    private static final class Area {
        private long next;
        private final long end;

        Area(long base, long end) {
            this.next = base;
            this.end = end;
        }

        long reserve(int size, int align) {
            long at = (next + align - 1) & -align;
            if (at + size > end) {
                throw new IllegalStateException(String.format("firmware tables overflow [%#x, %#x)", at, end));
            }
            next = at + size;
            return at;
        }

        long add(List<Blob> blobs, String name, byte[] bytes, int align) {
            long at = reserve(bytes.length, align);
            blobs.add(new Blob(name, at, bytes));
            return at;
        }
    }
}
