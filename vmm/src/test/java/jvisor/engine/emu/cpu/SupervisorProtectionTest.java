package jvisor.engine.emu.cpu;

import static jvisor.engine.emu.PageTables.P;
import static jvisor.engine.emu.PageTables.RW;
import static jvisor.engine.emu.PageTables.US;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * SMEP, SMAP (with STAC/CLAC and EFLAGS.AC) and UMIP, as kvm-unit-tests' access, smap and umip
 * tests use them: the #PF error codes, the TLB never letting a refused access through, implicit
 * supervisor accesses from ring 3, and the descriptor-table stores refused outside ring 0.
 */
class SupervisorProtectionTest {
    private static final long HIGH = 0x4000_0000_0000L;
    /** A user page with code for ring 3 (and for SMEP to refuse to ring 0). */
    private static final long USER_CODE = 0x140000;
    private static final long USER_STACK = 0x150800;
    private static final long SMEP = 1L << 20;
    private static final long SMAP = 1L << 21;
    private static final long UMIP = 1L << 11;

    /**
     * The first 2 MiB in 4 KiB supervisor pages, except the user pages at {@link #USER_CODE} and
     * the user stack; a user data page at HIGH (physical 0x300000) and an LDT alias at HIGH + 0x2000.
     */
    private static TestMachine machine() {
        TestMachine m = new TestMachine();
        for (long a = 0; a < (2L << 20); a += 0x1000) {
            boolean user = a >= USER_CODE && a < USER_STACK + 0x1000;
            m.pages.map4k(a, a, P | RW | (user ? US : 0));
        }
        m.pages.map4k(HIGH, 0x300000, P | RW | US);
        m.pages.map4k(HIGH + 0x2000, 0x302000, P | RW | US);
        m.ram.write64(0x300000, 0x1234_5678L);
        m.catchExceptions64();
        m.ram.write64(TestMachine.TSS + 4, 0x60000);
        return m;
    }

    private static TestMachine.Caught run(TestMachine m, String code) {
        ExitReason r = m.run64(code + "\ncli\nhlt\n");
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        return m.caught();
    }

    private static String setCr4(long bits) {
        return "mov rax, cr4\nmov rcx, " + bits + "\nor rax, rcx\nmov cr4, rax\n";
    }

    /** IRETQ to {@link #USER_CODE} in ring 3 with {@code rflags}, after loading {@code user} there. */
    private static String toRingThree(TestMachine m, String user, long rflags) {
        m.load(USER_CODE, Asm.code64(user + "\nud2\n"));
        return """
                push %d
                push %d
                push %d
                push %d
                push %d
                iretq
                """.formatted(TestMachine.SEL_USER_DATA, USER_STACK, rflags, TestMachine.SEL_USER_CODE64, USER_CODE);
    }

    @Test
    void cpuidAdvertisesSmepSmapAndUmip() {
        try (TestMachine m = machine()) {
            run(m, "mov eax, 7\nxor ecx, ecx\ncpuid");
            assertEquals(1L << 7, m.reg(Cpu.RBX) & (1L << 7), "SMEP");
            assertEquals(1L << 20, m.reg(Cpu.RBX) & (1L << 20), "SMAP");
            assertEquals(1L << 2, m.reg(Cpu.RCX) & (1L << 2), "UMIP");
        }
    }

    @Test
    void smapRefusesSupervisorReadsAndWritesOfUserPages() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(SMAP) + "movabs rax, 0x400000000008\nmov rbx, [rax]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P, c.errorCode(), "present, read, supervisor");
            assertEquals(HIGH + 8, c.cr2());
        }
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(SMAP) + "movabs rax, 0x400000000008\nmov qword ptr [rax], 1");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_W, c.errorCode());
        }
    }

    @Test
    void stacOpensUserPagesAndClacClosesThemAgainThroughTheTlb() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(SMAP) + """
                    movabs rax, 0x400000000000
                    stac
                    mov rbx, [rax]
                    mov qword ptr [rax + 8], 5
                    mov [0x6000], rbx
                    clac
                    mov rbx, [rax]
                    """);
            assertEquals(0x1234_5678L, m.ram.read64(0x6000), "read with AC set");
            assertEquals(5, m.ram.read64(0x300008), "written with AC set");
            assertEquals(Vectors.PF, c.vector(), "the read after CLAC faults though the page was just read");
            assertEquals(PageWalker.PF_P, c.errorCode());
        }
    }

    @Test
    void settingSmapDropsTranslationsCachedWithoutIt() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, "movabs rax, 0x400000000000\nmov rbx, [rax]\n" + setCr4(SMAP)
                    + "movabs rax, 0x400000000000\nmov rbx, [rax]");
            assertEquals(Vectors.PF, c.vector());
        }
    }

    @Test
    void stacAndClacAreInvalidOutsideRingZero() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, toRingThree(m, "stac", 2));
            assertEquals(Vectors.UD, c.vector());
            assertEquals(USER_CODE, c.rip());
        }
    }

    @Test
    void smepRefusesSupervisorFetchesFromUserPagesEvenIfFetchedBefore() {
        try (TestMachine m = machine()) {
            m.load(USER_CODE, Asm.code64("mov byte ptr [0x6000], 7\nret"));
            TestMachine.Caught c = run(m, "mov eax, 0x140000\ncall rax\n" + setCr4(SMEP) + "mov eax, 0x140000\ncall rax");
            assertEquals(7, m.ram.read8(0x6000), "without SMEP ring 0 runs the user page");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_I, c.errorCode());
            assertEquals(USER_CODE, c.cr2());
        }
    }

    @Test
    void smapRefusesImplicitAccessesFromRingThreeEvenWithAcSet() {
        try (TestMachine m = machine()) {
            // An LDT on the user page at HIGH + 0x2000 holding one ring-3 data segment.
            m.ram.write64(0x302000, 0x00CF_F200_0000_FFFFL);
            long ldt = 0xF | ((0x2000L & 0xFF_FFFFL) << 16) | (0x82L << 40) | (((HIGH + 0x2000) >>> 24 & 0xFF) << 56);
            m.ram.write64(TestMachine.GDT + 0x50, ldt);
            m.ram.write64(TestMachine.GDT + 0x58, (HIGH + 0x2000) >>> 32);
            String enter = toRingThree(m, "mov ax, 7\nmov ds, ax", 0x40002);
            TestMachine.Caught c = run(m, """
                    lgdt [rip + gdtr]
                    mov ax, 0x50
                    lldt ax
                    """ + setCr4(SMAP) + "stac\n" + enter + """
                    gdtr: .word 0x5f
                    .quad 0x1000
                    """);
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P, c.errorCode(), "a supervisor read, though ring 3 caused it");
            assertEquals(HIGH + 0x2000, c.cr2());
            assertEquals(TestMachine.SEL_USER_CODE64, c.cs());
        }
    }

    @Test
    void umipRefusesDescriptorTableStoresOutsideRingZero() {
        for (String insn : new String[] {"sgdt [rsp - 16]", "sidt [rsp - 16]", "sldt ax", "str ax", "smsw ax"}) {
            try (TestMachine m = machine()) {
                TestMachine.Caught c = run(m, setCr4(UMIP) + toRingThree(m, insn, 2));
                assertEquals(Vectors.GP, c.vector(), insn);
                assertEquals(0, c.errorCode(), insn);
                assertEquals(USER_CODE, c.rip(), insn);
            }
            try (TestMachine m = machine()) {
                TestMachine.Caught c = run(m, toRingThree(m, insn, 2));
                assertEquals(Vectors.UD, c.vector(), insn + " without UMIP runs on to the UD2");
            }
            try (TestMachine m = machine()) {
                TestMachine.Caught c = run(m, setCr4(UMIP) + insn);
                assertEquals(-1, c.vector(), insn + " in ring 0 is allowed");
            }
        }
    }
}
