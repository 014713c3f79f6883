package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** Paging outside long mode: 32-bit two-level tables (4 KiB and 4 MiB pages) and PAE. */
class LegacyPagingTest {
    private static final long PD = 0x20000;
    private static final long PT = 0x21000;


    @Test
    void twoLevelTablesWithSmallAndLargePages() {
        try (TestMachine m = new TestMachine()) {
            // identity 4 MiB pages for the first 16 MiB (code, stack, tables), one 4 KiB page, one 4 MiB page
            for (int i = 0; i < 4; i++) {
                m.ram.write32(PD + i * 4L, (i << 22) | 0x83);
            }
            m.ram.write32(PD + (0x40001004 >>> 22) * 4L, (int) PT | 0x3);
            m.ram.write32(PT + ((0x40001004 >>> 12) & 0x3FF) * 4L, 0x300000 | 0x3);
            m.ram.write32(PD + (0x80400008L >>> 22) * 4L, 0x800000 | 0x83);
            m.catchExceptions32();
            m.load(TestMachine.CODE, Asm.code32("""
                    mov eax, cr4
                    or eax, 0x10
                    mov cr4, eax
                    mov eax, 0x20000
                    mov cr3, eax
                    mov eax, cr0
                    or eax, 0x80000000
                    mov cr0, eax
                    mov dword ptr [0x40001004], 0x77
                    mov dword ptr [0x80400008], 0x88
                    cli
                    hlt
                    """));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(-1, m.caught().vector(), "no exception");
            assertEquals(0x77, m.ram.read32(0x300004));
            assertEquals(0x88, m.ram.read32(0x800008));
            assertEquals(0x60, m.ram.read32(PT + ((0x40001004 >>> 12) & 0x3FF) * 4L) & 0x60, "accessed and dirty");
        }
    }

    @Test
    void paeTablesWithTwoMegabytePages() {
        try (TestMachine m = new TestMachine()) {
            long pdpt = 0x20000;
            long pd0 = 0x21000;
            long pd1 = 0x22000;
            long pd2 = 0x23000;
            m.ram.write64(pdpt, pd0 | 1);
            m.ram.write64(pdpt + 8, pd1 | 1);
            m.ram.write64(pdpt + 16, pd2 | 1);
            for (int i = 0; i < 8; i++) {
                m.ram.write64(pd0 + i * 8L, ((long) i << 21) | 0x83);
            }
            m.ram.write64(pd1, 0x200000 | 0x83);
            m.ram.write64(pd2 + 2 * 8, 0x600000 | 0x83);
            m.catchExceptions32();
            m.load(TestMachine.CODE, Asm.code32("""
                    mov eax, cr4
                    or eax, 0x20
                    mov cr4, eax
                    mov eax, 0x20000
                    mov cr3, eax
                    mov eax, cr0
                    or eax, 0x80000000
                    mov cr0, eax
                    mov dword ptr [0x40001004], 0x77
                    mov dword ptr [0x80400008], 0x88
                    cli
                    hlt
                    """));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(-1, m.caught().vector(), "no exception");
            assertEquals(0x77, m.ram.read32(0x201004));
            assertEquals(0x88, m.ram.read32(0x600008));
        }
    }
}
