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
 * Protection keys as kvm-unit-tests' pku and pks tests and Linux use them: CPUID and CR4,
 * RDPKRU/WRPKRU and IA32_PKRS, the #PF error code's PK bit for user pages (PKRU) and supervisor
 * pages (PKRS) under CR0.WP, instruction fetches left alone, and no cached translation (in the
 * interpreter's TLB or in compiled code's inline lookups) outliving a change of the rights.
 */
class ProtectionKeysTest {
    private static final long HIGH = 0x4000_0000_0000L;
    /** A user data page with protection key 2 (physical 0x300000). */
    private static final long USER_PAGE = HIGH;
    /** A supervisor data page with protection key 3 (physical 0x301000). */
    private static final long SUPERVISOR_PAGE = HIGH + 0x1000;
    private static final long USER_CODE = 0x140000;
    private static final long USER_STACK = 0x150800;
    private static final long PKE = 1L << 22;
    private static final long PKS = 1L << 24;
    private static final int AD2 = 1 << 4;
    private static final int WD2 = 1 << 5;
    private static final int AD3 = 1 << 6;
    private static final int WD3 = 1 << 7;
    private static final int PF_PK = 32;

    private static long key(int k) {
        return (long) k << 59;
    }

    private static TestMachine machine() {
        TestMachine m = new TestMachine();
        for (long a = 0; a < (2L << 20); a += 0x1000) {
            boolean user = a >= USER_CODE && a < USER_STACK + 0x1000;
            m.pages.map4k(a, a, P | RW | (user ? US | key(2) : 0));
        }
        m.pages.map4k(USER_PAGE, 0x300000, P | RW | US | key(2));
        m.pages.map4k(SUPERVISOR_PAGE, 0x301000, P | RW | key(3));
        m.ram.write64(0x300000, 0x1111);
        m.ram.write64(0x301000, 0x2222);
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

    private static String wrpkru(int v) {
        return "mov eax, " + v + "\nxor ecx, ecx\nxor edx, edx\nwrpkru\n";
    }

    private static String wrpkrs(int v) {
        return "mov eax, " + v + "\nmov ecx, 0x6e1\nxor edx, edx\nwrmsr\n";
    }

    private static final String WP_OFF = "mov rax, cr0\nand eax, ~0x10000\nmov cr0, rax\n";

    @Test
    void cpuidOffersPkuAndPksAndShowsOspkeAsCr4Says() {
        try (TestMachine m = machine()) {
            run(m, "mov eax, 7\nxor ecx, ecx\ncpuid\nmov r8, rcx\n" + setCr4(PKE) + "mov eax, 7\nxor ecx, ecx\ncpuid");
            assertEquals(1L << 3, m.reg(8) & (1L << 3), "PKU");
            assertEquals(0, m.reg(8) & (1L << 4), "no OSPKE before CR4.PKE");
            assertEquals(1L << 31, m.reg(8) & (1L << 31), "PKS");
            assertEquals(1L << 4, m.reg(Cpu.RCX) & (1L << 4), "OSPKE with CR4.PKE");
        }
    }

    @Test
    void rdpkruAndWrpkruNeedCr4PkeAndZeroEcxEdx() {
        try (TestMachine m = machine()) {
            assertEquals(Vectors.UD, run(m, "xor ecx, ecx\nrdpkru").vector());
        }
        try (TestMachine m = machine()) {
            assertEquals(Vectors.UD, run(m, wrpkru(0)).vector());
        }
        try (TestMachine m = machine()) {
            assertEquals(Vectors.GP, run(m, setCr4(PKE) + "mov eax, 4\nmov ecx, 1\nxor edx, edx\nwrpkru").vector());
        }
        try (TestMachine m = machine()) {
            assertEquals(Vectors.GP, run(m, setCr4(PKE) + "mov eax, 4\nxor ecx, ecx\nmov edx, 1\nwrpkru").vector());
        }
        try (TestMachine m = machine()) {
            assertEquals(-1, run(m, setCr4(PKE) + wrpkru(0x5555_5554) + "movabs rdx, 0x123456789\nrdpkru").vector());
            assertEquals(0x5555_5554L, m.reg(Cpu.RAX));
            assertEquals(0, m.reg(Cpu.RDX), "RDPKRU clears EDX");
        }
    }

    @Test
    void accessDisableRefusesSupervisorReadsOfUserPagesWithThePkBit() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(PKE) + wrpkru(AD2) + "movabs rsi, " + (USER_PAGE + 8)
                    + "\nmov rbx, [rsi]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PF_PK, c.errorCode());
            assertEquals(USER_PAGE + 8, c.cr2());
        }
        try (TestMachine m = machine()) {
            assertEquals(-1, run(m, wrpkru(0).replace("wrpkru", "nop") + "movabs rsi, " + USER_PAGE
                    + "\nmov rbx, [rsi]").vector(), "without CR4.PKE the key means nothing");
            assertEquals(0x1111, m.reg(Cpu.RBX));
        }
    }

    @Test
    void writeDisableRefusesSupervisorWritesOnlyUnderWp() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(PKE) + wrpkru(WD2) + "movabs rsi, " + USER_PAGE
                    + "\nmov rbx, [rsi]\nmov [0x6100], rbx\nmov qword ptr [rsi], 5");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PageWalker.PF_W | PF_PK, c.errorCode());
            assertEquals(0x1111, m.ram.read64(0x6100), "reads stay allowed");
        }
        try (TestMachine m = machine()) {
            assertEquals(-1, run(m, setCr4(PKE) + wrpkru(WD2) + WP_OFF + "movabs rsi, " + USER_PAGE
                    + "\nmov qword ptr [rsi], 5").vector());
            assertEquals(5, m.ram.read64(0x300000));
        }
    }

    @Test
    void userModeWritesAreRefusedWhateverWpAndFetchesAreNotChecked() {
        try (TestMachine m = machine()) {
            m.load(USER_CODE, Asm.code64("movabs rsi, " + USER_PAGE + "\nmov rbx, [rsi]\nmov [rsi + 8], rbx\nud2\n"));
            TestMachine.Caught c = run(m, setCr4(PKE) + wrpkru(WD2) + WP_OFF + """
                    push %d
                    push %d
                    push 2
                    push %d
                    push %d
                    iretq
                    """.formatted(TestMachine.SEL_USER_DATA, USER_STACK, TestMachine.SEL_USER_CODE64, USER_CODE));
            assertEquals(Vectors.PF, c.vector(), "code on a key-2 page runs though key 2 may not be written");
            assertEquals(PageWalker.PF_P | PageWalker.PF_W | PageWalker.PF_U | PF_PK, c.errorCode());
            assertEquals(USER_PAGE + 8, c.cr2(), "the read before was allowed");
        }
    }

    @Test
    void pkruDoesNotGuardSupervisorPagesNorPkrsUserPages() {
        try (TestMachine m = machine()) {
            assertEquals(-1, run(m, setCr4(PKE | PKS) + wrpkru(AD3) + wrpkrs(AD2) + "movabs rsi, " + SUPERVISOR_PAGE
                    + "\nmov qword ptr [rsi], 7\nmovabs rsi, " + USER_PAGE + "\nmov qword ptr [rsi], 8").vector());
            assertEquals(7, m.ram.read64(0x301000));
            assertEquals(8, m.ram.read64(0x300000));
        }
    }

    @Test
    void pkrsGuardsSupervisorPages() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(PKS) + wrpkrs(AD3) + "movabs rsi, " + SUPERVISOR_PAGE
                    + "\nmov rbx, [rsi]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PF_PK, c.errorCode());
        }
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, setCr4(PKS) + wrpkrs(WD3) + "movabs rsi, " + SUPERVISOR_PAGE
                    + "\nmov rbx, [rsi]\nmov qword ptr [rsi], 1");
            assertEquals(PageWalker.PF_P | PageWalker.PF_W | PF_PK, c.errorCode());
        }
        try (TestMachine m = machine()) {
            assertEquals(-1, run(m, setCr4(PKS) + wrpkrs(WD3) + WP_OFF + "movabs rsi, " + SUPERVISOR_PAGE
                    + "\nmov qword ptr [rsi], 1\nmov ecx, 0x6e1\nrdmsr").vector());
            assertEquals(WD3, m.reg(Cpu.RAX));
        }
        try (TestMachine m = machine()) {
            assertEquals(Vectors.GP, run(m, "mov ecx, 0x6e1\nmov edx, 1\nxor eax, eax\nwrmsr").vector(),
                    "PKRS bits 63:32 are reserved");
        }
    }

    /**
     * A loop reads a keyed page until it takes its rights away half-way (WRPKRU, XRSTOR or
     * WRMSR to PKRS): the first read after the change faults, though the page's translation was
     * cached by every read before it.
     */
    private static void rightsChangeInsideALoop(TestMachine m, long cr4, long page, String takeAway) {
        TestMachine.Caught c = run(m, setCr4(cr4) + """
                movabs rsi, %d
                mov r8d, 1000
                1: mov rbx, [rsi]
                cmp r8d, 500
                jne 2f
                %s
                2: dec r8d
                jnz 1b
                """.formatted(page, takeAway));
        assertEquals(Vectors.PF, c.vector(), m.cpu.describeExit());
        assertEquals(PageWalker.PF_P | PF_PK, c.errorCode());
        assertEquals(499, m.reg(8), "the first read after the change faulted");
    }

    private static final String XRSTOR_AD2 = """
            mov rax, cr4
            or eax, 0x40000
            mov cr4, rax
            mov eax, 0x203
            xor edx, edx
            xor ecx, ecx
            xsetbv
            mov qword ptr [0x8200], 0x200
            mov dword ptr [0x8000 + 0xa80], 0x10
            mov eax, 0x200
            xrstor [0x8000]
            """;

    @Test
    void aRightsChangeReachesTheInterpretersTlb() {
        try (TestMachine m = machine()) {
            rightsChangeInsideALoop(m, PKE, USER_PAGE, wrpkru(AD2));
        }
        try (TestMachine m = machine()) {
            rightsChangeInsideALoop(m, PKE, USER_PAGE, XRSTOR_AD2);
        }
        try (TestMachine m = machine()) {
            rightsChangeInsideALoop(m, PKS, SUPERVISOR_PAGE, wrpkrs(AD3));
        }
    }

    @Test
    void aRightsChangeReachesCompiledCodesInlineTlb() {
        for (String change : new String[] {wrpkru(AD2), XRSTOR_AD2}) {
            try (TestMachine m = machine()) {
                m.cpu.setCompileThreshold(1);
                m.cpu.setCompileForC2(true);
                rightsChangeInsideALoop(m, PKE, USER_PAGE, change);
            }
        }
        try (TestMachine m = machine()) {
            m.cpu.setCompileThreshold(1);
            m.cpu.setCompileForC2(true);
            rightsChangeInsideALoop(m, PKS, SUPERVISOR_PAGE, wrpkrs(AD3));
        }
    }

    @Test
    void turningPkeOnDropsTranslationsCachedWithoutIt() {
        try (TestMachine m = machine()) {
            TestMachine.Caught c = run(m, "mov eax, " + AD2 + "\nxor ecx, ecx\nxor edx, edx\nmovabs rsi, " + USER_PAGE
                    + "\nmov rbx, [rsi]\n" + setCr4(PKE) + wrpkru(AD2) + "mov rbx, [rsi]");
            assertEquals(Vectors.PF, c.vector());
            assertEquals(PageWalker.PF_P | PF_PK, c.errorCode());
        }
    }
}
