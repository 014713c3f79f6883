package jvisor.guest.linux;

import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;

/**
 * The processor state of the boot protocol's 64-bit entry: long mode with paging on through an
 * identity map of the first 4 GiB (2 MiB pages), a GDT holding __BOOT_CS and __BOOT_DS, CS and the
 * data segments loaded from it, interrupts off, and RSI pointing at the zero page.
 */
public final class LongModeEntry {
    static final long PRESENT = 1;
    static final long WRITABLE = 1 << 1;
    static final long LARGE_PAGE = 1 << 7;
    static final long PAGE = 0x1000;
    static final int ENTRIES = 512;

    private LongModeEntry() { }

    /** Writes the GDT and the page tables into {@code memory} and returns the BSP's state at {@code entry}. */
    public static CpuState prepare(GuestMemory memory, long entry, long zeroPage) {
        Segment code = Segment.code64(LinuxLayout.BOOT_CS);
        Segment data = Segment.flatData32(LinuxLayout.BOOT_DS);
        DescriptorTable gdt = writeGdt(memory, code, data);
        long pml4 = writeIdentityMap(memory);
        SystemRegisters reset = SystemRegisters.reset(true);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                reset.tr(), reset.ldt(), gdt, new DescriptorTable(0, 0),
                SystemRegisters.CR0_PE | SystemRegisters.CR0_ET | SystemRegisters.CR0_PG, 0, pml4,
                SystemRegisters.CR4_PAE, 0, SystemRegisters.EFER_LME | SystemRegisters.EFER_LMA, reset.apicBase());
        long[] gprs = new long[16];
        gprs[4] = LinuxLayout.STACK_TOP;
        gprs[6] = zeroPage;
        return new CpuState(GeneralRegisters.fromArray(gprs, entry, GeneralRegisters.RFLAGS_FIXED), sregs);
    }

    private static DescriptorTable writeGdt(GuestMemory memory, Segment code, Segment data) {
        memory.fill(LinuxLayout.GDT, PAGE, (byte) 0);
        memory.write64(LinuxLayout.GDT + code.selector(), descriptor(code));
        memory.write64(LinuxLayout.GDT + data.selector(), descriptor(data));
        return new DescriptorTable(LinuxLayout.GDT, LinuxLayout.BOOT_DS + 8 - 1);
    }

    /** The 8-byte GDT descriptor that loads as {@code s}: the hidden state and the table agree. */
    static long descriptor(Segment s) {
        boolean pages = (s.access() & Segment.GRANULARITY) != 0;
        long limit = pages ? (s.limit() & 0xFFFF_FFFFL) >>> 12 : s.limit() & 0xF_FFFFL;
        long base = s.base();
        return (limit & 0xFFFF)
                | (base & 0xFF_FFFFL) << 16
                | (long) (s.access() & 0xFF) << 40
                | ((limit >>> 16) & 0xF) << 48
                | (long) ((s.access() >>> 12) & 0xF) << 52
                | ((base >>> 24) & 0xFF) << 56;
    }

    /** PML4 -> one PDPT -> one page directory per GiB, each mapping 2 MiB pages onto themselves. */
    private static long writeIdentityMap(GuestMemory memory) {
        long pml4 = LinuxLayout.PAGE_TABLES;
        long pdpt = pml4 + PAGE;
        memory.fill(pml4, LinuxLayout.PAGE_TABLES_END - pml4, (byte) 0);
        memory.write64(pml4, pdpt | PRESENT | WRITABLE);
        for (int gib = 0; gib < LinuxLayout.IDENTITY_MAPPED_GIB; gib++) {
            long directory = pdpt + PAGE * (1 + gib);
            memory.write64(pdpt + 8L * gib, directory | PRESENT | WRITABLE);
            for (int i = 0; i < ENTRIES; i++) {
                long address = ((long) gib << 30) | ((long) i << 21);
                memory.write64(directory + 8L * i, address | PRESENT | WRITABLE | LARGE_PAGE);
            }
        }
        return pml4;
    }
}
