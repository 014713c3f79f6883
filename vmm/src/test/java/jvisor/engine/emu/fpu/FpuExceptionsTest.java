package jvisor.engine.emu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The architectural gates around the FPU and SSE as an operating system meets them: CR0.EM,
 * CR0.TS, CR0.MP, CR0.NE, CR4.OSFXSR and CR4.OSXMMEXCPT deciding between #NM, #UD, #MF and #XM,
 * CLTS, alignment checks, reserved MXCSR bits, and where each exception is reported.
 */
class FpuExceptionsTest {
    /** Sets CR4.OSFXSR and CR4.OSXMMEXCPT as Linux does. */
    static final String SSE_ON = "mov rax, cr4\nor eax, 0x600\nmov cr4, rax\n";
    static final String TS_ON = "mov rax, cr0\nor eax, 8\nmov cr0, rax\n";
    static final String EM_ON = "mov rax, cr0\nor eax, 4\nmov cr0, rax\n";
    static final String MP_ON = "mov rax, cr0\nor eax, 2\nmov cr0, rax\n";
    static final String NE_OFF = "mov rax, cr0\nand eax, ~0x20\nmov cr0, rax\n";

    /** Runs {@code code} in 64-bit ring 0; the exception stub (if any ran) records what happened. */
    static TestMachine.Caught run(String code) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64(code + "\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.caught();
        }
    }

    static int vector(String code) {
        return run(code).vector();
    }

    @Test
    void x87UnderEmOrTsIsDeviceNotAvailable() {
        assertEquals(-1, vector("fninit\nfld1"));
        assertEquals(Vectors.NM, vector(EM_ON + "fld1"));
        assertEquals(Vectors.NM, vector(TS_ON + "fld1"));
        assertEquals(Vectors.NM, vector(TS_ON + "fnstsw ax"), "no-wait control instructions check TS too");
        assertEquals(Vectors.NM, vector(TS_ON + "fxsave [0x6000]"));
    }

    @Test
    void waitTrapsOnlyWithMpAndTs() {
        assertEquals(-1, vector(TS_ON + "fwait"));
        assertEquals(Vectors.NM, vector(MP_ON + TS_ON + "fwait"));
    }

    @Test
    void cltsClearsTaskSwitched() {
        assertEquals(-1, vector(TS_ON + "clts\nfld1\n" + SSE_ON + "addps xmm0, xmm1"));
    }

    @Test
    void sseNeedsOsfxsrAndHonoursEmAndTs() {
        assertEquals(Vectors.UD, vector("addps xmm0, xmm1"), "CR4.OSFXSR clear");
        assertEquals(Vectors.UD, vector(SSE_ON + EM_ON + "addps xmm0, xmm1"), "CR0.EM set");
        assertEquals(Vectors.NM, vector(SSE_ON + TS_ON + "addps xmm0, xmm1"), "CR0.TS set");
        assertEquals(Vectors.UD, vector(EM_ON + TS_ON + "ldmxcsr [0x6000]"), "#UD outranks #NM");
        assertEquals(-1, vector("movnti [0x6000], eax"), "MOVNTI touches no SSE state");
    }

    @Test
    void mmxUnderEmIsInvalidAndUnderTsNotAvailable() {
        assertEquals(-1, vector("paddb mm0, mm1\nemms"));
        assertEquals(Vectors.UD, vector(EM_ON + "paddb mm0, mm1"));
        assertEquals(Vectors.NM, vector(TS_ON + "paddb mm0, mm1"));
    }

    @Test
    void alignedFormsFaultOnMisalignedMemory() {
        TestMachine.Caught c = run(SSE_ON + "movaps xmm0, [0x6008]");
        assertEquals(Vectors.GP, c.vector());
        assertEquals(0, c.errorCode());
        assertEquals(Vectors.GP, vector(SSE_ON + "paddd xmm0, [0x6004]"), "legacy SSE arithmetic wants 16 bytes");
        assertEquals(-1, vector(SSE_ON + "movups xmm0, [0x6008]\nmovdqu [0x6001], xmm0\naddss xmm0, [0x6003]"));
        assertEquals(Vectors.GP, vector("fxsave [0x6008]"));
    }

    @Test
    void reservedMxcsrBitsAreGeneralProtection() {
        assertEquals(Vectors.GP, vector(SSE_ON + "mov dword ptr [0x6000], 0x11f80\nldmxcsr [0x6000]"));
        assertEquals(Vectors.GP, vector(SSE_ON + "fxsave [0x6000]\nmov dword ptr [0x6018], 0x10000\n"
                + "fxrstor [0x6000]"));
        assertEquals(-1, vector(SSE_ON + "mov dword ptr [0x6000], 0xffbf\nldmxcsr [0x6000]"));
    }

    @Test
    void unmaskedSimdExceptionIsXmWithTheDestinationUntouched() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.run64(SSE_ON + """
                    mov dword ptr [0x6000], 0x1d80
                    ldmxcsr [0x6000]
                    mov eax, 0x3f800000
                    movd xmm0, eax
                    xorps xmm1, xmm1
                    divss xmm0, xmm1
                    cli
                    hlt
                    """);
            assertEquals(Vectors.XM, m.caught().vector());
            FpuState f = m.processor().fpu;
            assertEquals(0x3F80_0000L, f.xmm[0], "destination unchanged");
            assertEquals(0x1D80 | SoftFloat.ZE, f.mxcsr, "ZE flagged");
        }
        assertEquals(Vectors.UD, vector("mov rax, cr4\nor eax, 0x200\nmov cr4, rax\n"
                + "mov dword ptr [0x6000], 0x1d80\nldmxcsr [0x6000]\nmov eax, 0x3f800000\nmovd xmm0, eax\n"
                + "xorps xmm1, xmm1\ndivss xmm0, xmm1"),
                "CR4.OSXMMEXCPT clear: #UD instead of #XM");
    }

    private static final String PENDING_ZERO_DIVIDE = """
            fninit
            mov word ptr [0x6000], 0x37b
            fldcw [0x6000]
            fldz
            fld1
            fdiv st, st(1)
            fnstsw ax
            mov [0x6010], ax
            """;

    @Test
    void unmaskedX87ExceptionIsReportedAtTheNextWaitingInstruction() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.run64(PENDING_ZERO_DIVIDE + "fld1\ncli\nhlt\n");
            TestMachine.Caught c = m.caught();
            assertEquals(Vectors.MF, c.vector());
            assertEquals(0xD9, m.ram.read8(c.rip()), "reported at FLD1, not at FDIV");
            assertEquals(0xE8, m.ram.read8(c.rip() + 1));
            int sw = m.ram.read16(0x6010);
            assertTrue((sw & FpuState.SW_ES) != 0 && (sw & SoftFloat.ZE) != 0, "FNSTSW saw ES and ZE: " + sw);
            FpuState f = m.processor().fpu;
            assertEquals(0x3FFF, f.sexpOf(0), "ST(0) still 1.0: no result for an unmasked divide by zero");
        }
        assertEquals(Vectors.MF, vector(PENDING_ZERO_DIVIDE + "fwait"));
        assertEquals(Vectors.MF, vector(PENDING_ZERO_DIVIDE + "paddb mm0, mm1"), "MMX checks pending x87 exceptions");
        assertEquals(-1, vector(PENDING_ZERO_DIVIDE + "fnclex\nfld1"), "FNCLEX clears the pending exception");
        assertEquals(-1, vector(PENDING_ZERO_DIVIDE + "fninit\nfld1"));
        assertEquals(-1, vector(PENDING_ZERO_DIVIDE + "fxsave [0x6100]\nfnstenv [0x6300]"), "no-wait forms");
        assertEquals(-1, vector(NE_OFF + PENDING_ZERO_DIVIDE + "fld1"), "CR0.NE clear: FERR# is not wired");
    }

    @Test
    void fxrstorOfAPendingStatusRaisesMfLater() {
        assertEquals(Vectors.MF, vector(PENDING_ZERO_DIVIDE + "fxsave [0x6100]\nfninit\nfxrstor [0x6100]\nfld1"));
    }

    /**
     * Stores that run into a page that is not present fault before writing any byte, and an
     * x87 store leaves the register stack as it was.
     */
    @Test
    void storesAcrossIntoAMissingPageFaultBeforeWritingAnything() {
        long high = 0x4000_0000_0000L;
        String[] stores = {"movdqu [rax + 0xff8], xmm0", "fxsave64 [rax + 0xf00]", "fstp tbyte ptr [rax + 0xffc]",
            "fnsave [rax + 0xfd0]", "fnstenv [rax + 0xff0]", "movq [rax + 0xffc], mm0", "movsd [rax + 0xffc], xmm0"};
        for (String store : stores) {
            try (TestMachine m = new TestMachine()) {
                m.catchExceptions64();
                m.pages.map4k(high, 0x300000, jvisor.engine.emu.PageTables.P | jvisor.engine.emu.PageTables.RW);
                for (int k = 0xE00; k < 0x1000; k += 8) {
                    m.ram.write64(0x300000 + k, 0x5A5A_5A5A_5A5A_5A5AL);
                }
                ExitReason r = m.run64(SSE_ON + "fninit\nfld1\npcmpeqb xmm0, xmm0\n"
                        + "movabs rax, 0x400000000000\n" + store + "\ncli\nhlt\n");
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                TestMachine.Caught c = m.caught();
                assertEquals(Vectors.PF, c.vector(), store);
                assertEquals(high + 0x1000, c.cr2() & ~0xFFFL, store + ": the fault is on the second page");
                for (int k = 0xE00; k < 0x1000; k += 8) {
                    assertEquals(0x5A5A_5A5A_5A5A_5A5AL, m.ram.read64(0x300000 + k), store + ": nothing written");
                }
                FpuState f = m.processor().fpu;
                assertEquals(7, f.top, store + ": the stack is as it was");
                assertEquals(0x3FFF, f.sexpOf(0), store);
            }
        }
    }
}
