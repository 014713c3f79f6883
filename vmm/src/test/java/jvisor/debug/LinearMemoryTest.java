package jvisor.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import jvisor.engine.GuestMemory;
import jvisor.engine.SystemRegisters;
import org.junit.jupiter.api.Test;

/** Guest page tables walked in software: each paging mode, large pages, and tables a guest got wrong. */
class LinearMemoryTest {
    private static final long PG = SystemRegisters.CR0_PG | SystemRegisters.CR0_PE;
    private static final long P = 1;
    private static final long RW = 2;
    private static final long PS = 0x80;

    private final GuestMemory ram = GuestMemory.allocate(8L << 20);

    @Test
    void withoutPagingLinearIsPhysical() {
        LinearMemory m = new LinearMemory(ram, SystemRegisters.CR0_PE, 0, 0, 0);
        assertEquals(0x12345, m.translate(0x12345));
    }

    @Test
    void longModeFourLevelsWith4KAnd2MPages() {
        // PML4 at 0x1000, PDPT at 0x2000, PD at 0x3000, PT at 0x4000.
        ram.write64(0x1000 + 8 * 511, 0x2000 | P | RW); // 0xffff_ff80_0000_0000
        ram.write64(0x2000, 0x3000 | P | RW);
        ram.write64(0x3000, 0x4000 | P | RW); // first 2 MiB: 4K pages
        ram.write64(0x4000 + 8 * 5, 0x0050_0000L | P | RW); // page 5 -> 5 MiB
        ram.write64(0x3000 + 8, 0x0020_0000L | P | RW | PS); // second 2 MiB: one large page at 2 MiB
        LinearMemory m = new LinearMemory(ram, PG, 0x1000, SystemRegisters.CR4_PAE, SystemRegisters.EFER_LMA);
        long base = 0xffff_ff80_0000_0000L;
        assertEquals(0x50_0123, m.translate(base + 0x5123));
        assertEquals(0x20_0000 + 0x1_2345, m.translate(base + 0x20_0000 + 0x1_2345));
        assertEquals(LinearMemory.UNMAPPED, m.translate(base + 0x6000), "not present");
        assertEquals(LinearMemory.UNMAPPED, m.translate(0x1000), "PML4 entry 0 is empty");
        ram.write(0x50_0123, "hi\0".getBytes());
        assertEquals("hi", m.readCString(base + 0x5123, 16));
    }

    @Test
    void legacy32BitWith4MPagesAndPae() {
        ram.write32(0x1000 + 4 * 1, (int) (0x0040_0000L | P | RW | PS)); // 4..8 MiB -> 4 MiB
        LinearMemory pse = new LinearMemory(ram, PG, 0x1000, SystemRegisters.CR4_PSE, 0);
        assertEquals(0x40_0010, pse.translate(0x40_0010));
        // PAE: PDPT at 0x2000 (4 entries), PD at 0x3000, a 2 MiB page.
        ram.write64(0x2000, 0x3000 | P);
        ram.write64(0x3000 + 8 * 3, 0x0060_0000L | P | RW | PS);
        LinearMemory pae = new LinearMemory(ram, PG, 0x2000, SystemRegisters.CR4_PAE, 0);
        assertEquals(0x60_0042, pae.translate(0x60_0042));
    }

    @Test
    void tablesPointingOutsideRamAreUnmappedNotErrors() {
        ram.write64(0x1000, 0x7_0000_0000L | P); // a PDPT far beyond RAM
        LinearMemory m = new LinearMemory(ram, PG, 0x1000, SystemRegisters.CR4_PAE, SystemRegisters.EFER_LMA);
        assertEquals(LinearMemory.UNMAPPED, m.translate(0x1000));
        assertArrayEquals(new byte[0], m.read(0x1000, 16));
        assertNull(m.readCString(0x1000, 16));
        LinearMemory bad = new LinearMemory(ram, PG, -1L, SystemRegisters.CR4_PAE, SystemRegisters.EFER_LMA);
        assertEquals(LinearMemory.UNMAPPED, bad.translate(0));
    }

    @Test
    void aReadStopsAtTheFirstUnmappedPage() {
        LinearMemory m = new LinearMemory(ram, SystemRegisters.CR0_PE, 0, 0, 0);
        assertEquals(16, m.read((8L << 20) - 16, 64).length);
        assertEquals(0, m.write(8L << 20, new byte[4]));
    }
}
