package jvisor.engine.emu.cpu;

import static jvisor.engine.emu.PageTables.G;
import static jvisor.engine.emu.PageTables.NX;
import static jvisor.engine.emu.PageTables.P;
import static jvisor.engine.emu.PageTables.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** 4-level paging in 64-bit mode: page sizes, accessed/dirty bits, #PF error codes, TLB maintenance. */
class PagingTest {
    private static final long HIGH = 0x4000_0000_0000L;

    private static TestMachine machine() {
        TestMachine m = new TestMachine();
        m.catchExceptions64();
        return m;
    }

    @Test
    void fourKilobyteTwoMegabyteAndOneGigabytePagesMapWhereTheTablesSay() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000, P | RW);
            m.pages.map2m(HIGH + 0x20_0000, 0x400000, P | RW);
            m.pages.map1g(HIGH + 0x4000_0000L, 0, P | RW);
            ExitReason r = m.run64("""
                    movabs rax, 0x400000000008
                    mov qword ptr [rax], 0x11
                    movabs rax, 0x400000200010
                    mov qword ptr [rax], 0x22
                    movabs rax, 0x400040500000
                    mov qword ptr [rax], 0x33
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(-1, m.caught().vector());
            assertEquals(0x11, m.ram.read64(0x300008));
            assertEquals(0x22, m.ram.read64(0x400010));
            assertEquals(0x33, m.ram.read64(0x500000));
        }
    }

    @Test
    void accessesCrossingIntoAPageElsewhereInPhysicalMemoryUseBothTranslations() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x305000, P | RW);
            m.pages.map4k(HIGH + 0x1000, 0x302000, P | RW);
            m.ram.write64(0x305FF8, 0x8877_6655_4433_2211L);
            m.ram.write64(0x302000, 0x00FF_EEDD_CCBB_AA99L);
            ExitReason r = m.run64("""
                    movabs rsi, 0x400000000ffd
                    mov eax, [rsi]
                    mov [0x6000], eax
                    mov dword ptr [rsi], 0x44332211
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(0x9988_7766, m.ram.read32(0x6000), "three bytes from the first page, one from the second");
            assertEquals(0x3322, m.ram.read16(0x305FFE), "bytes 1-2 of the store at the end of the first page");
            assertEquals(0x44, m.ram.read8(0x302000), "byte 3 at the start of the second page");
        }
    }

    @Test
    void readsSetAccessedAndWritesSetDirty() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000, P | RW);
            m.pages.map4k(HIGH + 0x1000, 0x301000, P | RW);
            m.run64("""
                    movabs rax, 0x400000000000
                    mov rbx, [rax]
                    mov qword ptr [rax + 0x1000], 5
                    cli
                    hlt
                    """);
            long read = m.pages.leaf4k(HIGH);
            long written = m.pages.leaf4k(HIGH + 0x1000);
            assertEquals(0x20, read & 0x60, "read page: accessed, not dirty");
            assertEquals(0x60, written & 0x60, "written page: accessed and dirty");
        }
    }

    private static TestMachine.Caught fault(String code, Runnable mapping) {
        try (TestMachine m = machine()) {
            mapping.run();
            return faultIn(m, code);
        }
    }

    private static TestMachine.Caught faultIn(TestMachine m, String code) {
        ExitReason r = m.run64(code + "\ncli\nhlt\n");
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        return m.caught();
    }

    @Test
    void notPresentReadReportsErrorZeroAndTheAddressInCr2() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = faultIn(m, "movabs rax, 0x400000000123\nmov rbx, [rax]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(0, c.errorCode());
            assertEquals(HIGH + 0x123, c.cr2());
        }
    }

    @Test
    void writeToReadOnlyPageIsAProtectionWriteFault() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000, P);
            TestMachine.Caught c = faultIn(m, "movabs rax, 0x400000000010\nmov qword ptr [rax], 1");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_W, c.errorCode());
            assertEquals(0, m.pages.leaf4k(HIGH) & 0x40, "no dirty bit on a refused write");
        }
    }

    @Test
    void fetchFromNoExecutePageIsAnInstructionFetchFault() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000, P | RW | NX);
            TestMachine.Caught c = faultIn(m, "movabs rax, 0x400000000000\ncall rax");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_I, c.errorCode());
            assertEquals(HIGH, c.rip(), "the fault is reported at the target");
        }
    }

    @Test
    void reservedBitInAnEntryIsAReservedBitFault() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000 | (1L << 50), P | RW);
            TestMachine.Caught c = faultIn(m, "movabs rax, 0x400000000000\nmov rbx, [rax]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_RSVD, c.errorCode());
        }
    }

    @Test
    void supervisorWritesIgnoreReadOnlyWhenWriteProtectIsOff() {
        try (TestMachine m = machine()) {
            m.pages.map4k(HIGH, 0x300000, P);
            TestMachine.Caught c = faultIn(m, """
                    mov rax, cr0
                    btr rax, 16
                    mov cr0, rax
                    movabs rax, 0x400000000010
                    mov qword ptr [rax], 7
                    """);
            assertEquals(-1, c.vector());
            assertEquals(7, m.ram.read64(0x300010));
        }
    }

    /** Remaps HIGH from page A to page B behind the TLB's back, then runs {@code flush}: returns what [HIGH] reads before and after. */
    private static long[] remapAround(String flush, long flags, boolean pge) {
        return remapAround("", flush, flags, pge);
    }

    /** As above, with {@code before} run first. */
    private static long[] remapAround(String before, String flush, long flags, boolean pge) {
        try (TestMachine m = machine()) {
            m.ram.write64(0x300000, 0xAAAA);
            m.ram.write64(0x301000, 0xBBBB);
            m.pages.map4k(HIGH, 0x300000, flags);
            long pte = m.pages.leafAddress4k(HIGH);
            String enablePge = pge ? "mov rax, cr4\nbts rax, 7\nmov cr4, rax\n" : "";
            m.run64(enablePge + before + """
                    movabs rsi, 0x400000000000
                    mov rax, [rsi]
                    mov [0x6000], rax
                    mov rax, 0x301000 | %d
                    mov [%d], rax
                    mov rax, [rsi]
                    mov [0x6008], rax
                    %s
                    mov rax, [rsi]
                    mov [0x6010], rax
                    cli
                    hlt
                    """.formatted(flags, pte, flush));
            return new long[] {m.ram.read64(0x6008), m.ram.read64(0x6010)};
        }
    }

    @Test
    void invlpgDropsAStaleTranslation() {
        long[] seen = remapAround("invlpg [rsi]", P | RW, false);
        assertEquals(0xAAAA, seen[0], "the TLB still holds the old translation");
        assertEquals(0xBBBB, seen[1]);
    }

    @Test
    void writingCr3FlushesNonGlobalTranslations() {
        long[] seen = remapAround("mov rax, cr3\nmov cr3, rax", P | RW, false);
        assertEquals(0xAAAA, seen[0]);
        assertEquals(0xBBBB, seen[1]);
    }

    @Test
    void globalTranslationsSurviveCr3WritesButNotPgeToggles() {
        long[] kept = remapAround("mov rax, cr3\nmov cr3, rax", P | RW | G, true);
        assertEquals(0xAAAA, kept[1], "a global translation survives a CR3 write");
        long[] dropped = remapAround("mov rax, cr4\nbtr rax, 7\nmov cr4, rax", P | RW | G, true);
        assertEquals(0xBBBB, dropped[1], "clearing CR4.PGE flushes global translations");
    }

    @Test
    void aCr3WriteAfterThousandsOfTranslationsStillKeepsOnlyTheGlobalOnes() {
        // More non-global pages than the TLB lists for a quick flush, before HIGH's translation is
        // made: the flush must fall back to a scan. They start one page up, so none shares HIGH's slot.
        String touchMany = """
                mov edi, 0x1001000
                mov ecx, 3000
                9: mov rax, [rdi]
                add rdi, 0x1000
                dec ecx
                jnz 9b
                """;
        String flush = "mov rax, cr3\nmov cr3, rax";
        assertEquals(0xBBBB, remapAround(touchMany, flush, P | RW, true)[1], "a non-global translation went");
        assertEquals(0xAAAA, remapAround(touchMany, flush, P | RW | G, true)[1], "a global one stayed");
    }

    /**
     * As {@link #remapAround}, for code: HIGH holds {@code mov eax, 1; ret} on page A and is remapped
     * to page B's {@code mov eax, 2; ret}; returns what calls to HIGH give before and after {@code flush}.
     */
    private static long[] remapCodeAround(String flush, long flags, boolean pge) {
        try (TestMachine m = machine()) {
            m.ram.write(0x300000, new byte[] {(byte) 0xB8, 1, 0, 0, 0, (byte) 0xC3});
            m.ram.write(0x301000, new byte[] {(byte) 0xB8, 2, 0, 0, 0, (byte) 0xC3});
            m.pages.map4k(HIGH, 0x300000, flags);
            long pte = m.pages.leafAddress4k(HIGH);
            String enablePge = pge ? "mov rax, cr4\nbts rax, 7\nmov cr4, rax\n" : "";
            ExitReason r = m.run64(enablePge + """
                    movabs rsi, 0x400000000000
                    call rsi
                    mov [0x6000], rax
                    mov rax, 0x301000 | %d
                    mov [%d], rax
                    call rsi
                    mov [0x6008], rax
                    %s
                    call rsi
                    mov [0x6010], rax
                    cli
                    hlt
                    """.formatted(flags, pte, flush));
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return new long[] {m.ram.read64(0x6000), m.ram.read64(0x6008), m.ram.read64(0x6010)};
        }
    }

    @Test
    void codeRemappedBehindTheTlbRunsOnceACr3WriteDropsItsTranslation() {
        long[] seen = remapCodeAround("mov rax, cr3\nmov cr3, rax", P | RW, false);
        assertEquals(1, seen[0]);
        assertEquals(1, seen[1], "the TLB still holds the old translation");
        assertEquals(2, seen[2]);
    }

    @Test
    void globalCodeKeepsItsTranslationAcrossCr3WritesUntilInvlpg() {
        long[] kept = remapCodeAround("mov rax, cr3\nmov cr3, rax", P | RW | G, true);
        assertEquals(1, kept[2], "a global translation, and the code decoded through it, survive a CR3 write");
        long[] dropped = remapCodeAround("mov rax, cr3\nmov cr3, rax\ninvlpg [rsi]", P | RW | G, true);
        assertEquals(2, dropped[2], "INVLPG drops it");
    }

    @Test
    void invlpgInsideALargePageDropsTheWholeLargePage() {
        try (TestMachine m = machine()) {
            m.ram.write64(0x400000 + 0x1000, 0xAAAA);
            m.ram.write64(0x600000 + 0x1000, 0xBBBB);
            m.pages.map2m(HIGH, 0x400000, P | RW);
            m.run64("""
                    movabs rsi, 0x400000001000
                    mov rax, [rsi]
                    movabs rdi, 0x400000180000
                    mov rbx, [rdi]
                    mov rax, %d
                    mov [%d], rax
                    invlpg [rdi]
                    mov rax, [rsi]
                    mov [0x6000], rax
                    cli
                    hlt
                    """.formatted(0x600000 | P | RW | 0x80, pdeOf(m, HIGH)));
            assertEquals(0xBBBB, m.ram.read64(0x6000));
        }
    }

    /** A 1 GiB page cached as granules, then remapped: INVLPG anywhere in it drops them all. */
    @Test
    void invlpgInsideAGigabytePageDropsTheWholePage() {
        try (TestMachine m = machine()) {
            m.ram.write64(0x2000, 0xAAAA);
            m.pages.map1g(HIGH, 0, P | RW);
            long pml4 = m.pages.root();
            long pdpte = (m.ram.read64(pml4 + ((HIGH >>> 39) & 0x1FF) * 8) & 0xF_FFFF_FFFF_F000L)
                    + ((HIGH >>> 30) & 0x1FF) * 8;
            m.run64("""
                    movabs rsi, 0x400000002000
                    mov rax, [rsi]
                    mov [0x6008], rax
                    movabs rdi, 0x400030000000
                    mov rbx, [rdi]
                    movabs rax, %d
                    mov [%d], rax
                    movabs rdx, 0x400000001000
                    invlpg [rdx + 0x10000000]
                    mov rax, [rsi]
                    mov [0x6000], rax
                    cli
                    hlt
                    """.formatted(0x4000_0000L | P | RW | 0x80, pdpte));
            assertEquals(0xAAAA, m.ram.read64(0x6008));
            assertEquals(-1L, m.ram.read64(0x6000), "the granule went: now outside RAM, the floating bus");
        }
    }

    private static long pdeOf(TestMachine m, long lin) {
        long pml4 = m.pages.root();
        long pdpt = m.ram.read64(pml4 + ((lin >>> 39) & 0x1FF) * 8) & 0xF_FFFF_FFFF_F000L;
        long pd = m.ram.read64(pdpt + ((lin >>> 30) & 0x1FF) * 8) & 0xF_FFFF_FFFF_F000L;
        return pd + ((lin >>> 21) & 0x1FF) * 8;
    }

    @Test
    void nonCanonicalAddressIsAGeneralProtectionFault() {
        TestMachine.Caught c = fault("movabs rax, 0x8000000000000000\nmov rbx, [rax]", () -> { });
        assertEquals(Vectors.GP, c.vector());
        assertEquals(0, c.errorCode());
        assertTrue(c.rip() >= TestMachine.CODE);
    }
}
