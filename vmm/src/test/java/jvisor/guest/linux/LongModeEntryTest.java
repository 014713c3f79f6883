package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.CpuState;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LongModeEntryTest {
    static final long ENTRY = 0x100_0000;

    private static CpuState prepare(GuestMemory memory) {
        return LongModeEntry.prepare(memory, ENTRY, LinuxLayout.ZERO_PAGE);
    }

    @Test
    void theProcessorIsInLongModeWithTheProtocolsSegments() {
        try (GuestMemory memory = GuestMemory.allocate(16L << 20)) {
            CpuState s = prepare(memory);
            SystemRegisters sr = s.sregs();
            assertEquals(0x10, sr.cs().selector());
            assertTrue((sr.cs().access() & Segment.LONG) != 0 && (sr.cs().access() & Segment.DB) == 0, "64-bit code");
            for (Segment data : new Segment[] {sr.ds(), sr.es(), sr.ss()}) {
                assertEquals(0x18, data.selector());
                assertEquals(Segment.TYPE_DATA_RW_ACCESSED, data.type());
            }
            assertTrue((sr.cr0() & SystemRegisters.CR0_PG) != 0 && (sr.cr0() & SystemRegisters.CR0_PE) != 0);
            assertTrue((sr.cr4() & SystemRegisters.CR4_PAE) != 0);
            assertEquals(SystemRegisters.EFER_LME | SystemRegisters.EFER_LMA, sr.efer());
            assertEquals(0, s.regs().rflags() & (1 << 9), "interrupts off");
            assertEquals(ENTRY, s.regs().rip());
            assertEquals(LinuxLayout.ZERO_PAGE, s.regs().rsi());
            assertEquals(LinuxLayout.PAGE_TABLES, sr.cr3());
        }
    }

    @Test
    void theGdtDescriptorsLoadAsTheHiddenState() {
        try (GuestMemory memory = GuestMemory.allocate(16L << 20)) {
            CpuState s = prepare(memory);
            long gdt = s.sregs().gdt().base();
            assertEquals(0x1F, s.sregs().gdt().limit());
            assertEquals(0, memory.read64(gdt));
            assertEquals(0x00AF_9B00_0000_FFFFL, memory.read64(gdt + 0x10), "__BOOT_CS: 64-bit code");
            assertEquals(0x00CF_9300_0000_FFFFL, memory.read64(gdt + 0x18), "__BOOT_DS: flat data");
        }
    }

    /** Walks the four-level tables from CR3 as the processor does; -1 when not mapped. */
    static long translate(GuestMemory memory, long cr3, long linear) {
        long table = cr3 & ~0xFFFL;
        for (int level = 3; level >= 0; level--) {
            long entry = memory.read64(table + 8 * ((linear >>> (12 + 9 * level)) & 0x1FF));
            if ((entry & 1) == 0) {
                return -1;
            }
            long frame = entry & 0x000F_FFFF_FFFF_F000L;
            if (level > 0 && (entry & 0x80) != 0) {
                long size = 1L << (12 + 9 * level);
                return (frame & -size) | (linear & (size - 1));
            }
            table = frame;
        }
        return table | (linear & 0xFFF);
    }

    @Property(tries = 200)
    void theFirstFourGibAreMappedOntoThemselves(@ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long address) {
        try (GuestMemory memory = GuestMemory.allocate(16L << 20)) {
            CpuState s = prepare(memory);
            assertEquals(address, translate(memory, s.sregs().cr3(), address));
            assertEquals(-1, translate(memory, s.sregs().cr3(), address + (4L << 30) * 2));
        }
    }
}
