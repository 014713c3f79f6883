package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * XSAVE as an operating system meets it: CPUID leaves 1 and 0xD, CR4.OSXSAVE, XGETBV/XSETBV and
 * their faults, and XSAVE/XRSTOR of the x87, SSE and PKRU components in the standard form, with
 * the XSAVE header's rules and the initial configuration XRSTOR loads for a component the image
 * marks as such.
 */
class ExtendedStateTest {
    private static final String OSXSAVE_ON = "mov rax, cr4\nor eax, 0x40600\nmov cr4, rax\n";
    private static final String PKE_ON = "mov rax, cr4\nor eax, 0x400000\nmov cr4, rax\n";
    private static final String ALL_COMPONENTS = "mov eax, 0x203\nxor edx, edx\nxor ecx, ecx\nxsetbv\n";
    private static final long AREA = 0x8000;

    private static TestMachine.Caught run(TestMachine m, String code) {
        m.catchExceptions64();
        ExitReason r = m.run64(code + "\ncli\nhlt\n");
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        return m.caught();
    }

    private static int vector(String code) {
        try (TestMachine m = new TestMachine()) {
            return run(m, code).vector();
        }
    }

    @Test
    void cpuidDescribesTheComponentsAndTheAreaAsXcr0Enables() {
        try (TestMachine m = new TestMachine()) {
            run(m, """
                    mov eax, 1
                    cpuid
                    mov [0x6000], ecx
                    mov eax, 0xd
                    xor ecx, ecx
                    cpuid
                    mov [0x6010], eax
                    mov [0x6014], ebx
                    mov [0x6018], ecx
                    mov [0x601c], edx
                    """ + OSXSAVE_ON + ALL_COMPONENTS + """
                    mov eax, 1
                    cpuid
                    mov [0x6004], ecx
                    mov eax, 0xd
                    xor ecx, ecx
                    cpuid
                    mov [0x6020], ebx
                    mov eax, 0xd
                    mov ecx, 1
                    cpuid
                    mov [0x6024], eax
                    mov eax, 0xd
                    mov ecx, 9
                    cpuid
                    mov [0x6028], eax
                    mov [0x602c], ebx
                    mov [0x6030], ecx
                    mov eax, 0xd
                    mov ecx, 2
                    cpuid
                    mov [0x6034], eax
                    """);
            assertEquals(1 << 26, m.ram.read32(0x6000) & (3 << 26), "XSAVE, no OSXSAVE before CR4.OSXSAVE");
            assertEquals(3 << 26, m.ram.read32(0x6004) & (3 << 26), "XSAVE and OSXSAVE");
            assertEquals(0x203, m.ram.read32(0x6010), "x87, SSE and PKRU may be enabled");
            assertEquals(576, m.ram.read32(0x6014), "the area for XCR0 = x87 alone");
            assertEquals(0xA88, m.ram.read32(0x6018), "the area for every component");
            assertEquals(0, m.ram.read32(0x601c));
            assertEquals(0xA88, m.ram.read32(0x6020), "the area once PKRU is enabled");
            assertEquals(1, m.ram.read32(0x6024), "XSAVEOPT only: no XSAVEC, XGETBV1 or XSAVES");
            assertEquals(8, m.ram.read32(0x6028), "PKRU's size");
            assertEquals(0xA80, m.ram.read32(0x602c), "PKRU's offset");
            assertEquals(0, m.ram.read32(0x6030), "a user component");
            assertEquals(0, m.ram.read32(0x6034), "no AVX");
        }
    }

    @Test
    void xgetbvAndXsetbvFollowCr4OsxsaveAndRefuseWhatIsNotThere() {
        assertEquals(Vectors.UD, vector("xor ecx, ecx\nxgetbv"));
        assertEquals(Vectors.UD, vector("xor ecx, ecx\nmov eax, 3\nxor edx, edx\nxsetbv"));
        assertEquals(Vectors.UD, vector("xor ecx, ecx\nxsave [0x8000]"));
        assertEquals(-1, vector(OSXSAVE_ON + ALL_COMPONENTS));
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "mov ecx, 1\nxgetbv"), "no XGETBV1");
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "xor ecx, ecx\nxor eax, eax\nxor edx, edx\nxsetbv"), "x87 must stay");
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "xor ecx, ecx\nmov eax, 2\nxor edx, edx\nxsetbv"));
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "xor ecx, ecx\nmov eax, 7\nxor edx, edx\nxsetbv"), "no AVX");
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "xor ecx, ecx\nmov eax, 3\nmov edx, 1\nxsetbv"));
        assertEquals(Vectors.GP, vector(OSXSAVE_ON + "mov ecx, 1\nmov eax, 3\nxor edx, edx\nxsetbv"));
        try (TestMachine m = new TestMachine()) {
            run(m, OSXSAVE_ON + "movabs rcx, 0x500000000\nmov eax, 3\nxor edx, edx\nxsetbv\n"
                    + "movabs rcx, 0x700000000\nxgetbv");
            assertEquals(3, m.reg(Cpu.RAX), "ECX's upper half is ignored");
            assertEquals(0, m.reg(Cpu.RDX));
        }
    }

    /** Loads recognisable x87, SSE, MXCSR and PKRU state. */
    private static final String STATE = """
            fninit
            fld1
            fldpi
            mov eax, 0x1f00
            mov [0x6000], eax
            ldmxcsr [0x6000]
            movabs rax, 0x1122334455667788
            movq xmm0, rax
            movabs rax, 0x0102030405060708
            movq xmm15, rax
            mov eax, 0x5555554
            xor ecx, ecx
            xor edx, edx
            wrpkru
            """;

    private static final String CLOBBER = """
            fninit
            pxor xmm0, xmm0
            pxor xmm15, xmm15
            mov eax, 0x1f80
            mov [0x6000], eax
            ldmxcsr [0x6000]
            xor eax, eax
            xor ecx, ecx
            xor edx, edx
            wrpkru
            """;

    private static final String READ_BACK = """
            movq rbx, xmm0
            movq rsi, xmm15
            stmxcsr [0x6008]
            fstp qword ptr [0x6010]
            fstp qword ptr [0x6018]
            xor ecx, ecx
            rdpkru
            """;

    @Test
    void xsaveAndXrstorRoundTripEveryComponent() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(-1, run(m, OSXSAVE_ON + PKE_ON + ALL_COMPONENTS + STATE
                    + "mov eax, -1\nmov edx, -1\nxsave64 [0x8000]\n" + CLOBBER
                    + "mov eax, -1\nmov edx, -1\nxrstor64 [0x8000]\n" + READ_BACK).vector());
            assertEquals(0x1122_3344_5566_7788L, m.reg(Cpu.RBX));
            assertEquals(0x0102_0304_0506_0708L, m.reg(Cpu.RSI));
            assertEquals(0x1f00, m.ram.read32(0x6008));
            assertEquals(Math.PI, Double.longBitsToDouble(m.ram.read64(0x6010)));
            assertEquals(1.0, Double.longBitsToDouble(m.ram.read64(0x6018)));
            assertEquals(0x5555554, m.reg(Cpu.RAX));
            assertEquals(0x203, m.ram.read64(AREA + 512), "XSTATE_BV: every component in use");
            assertEquals(0x5555554, m.ram.read64(AREA + 0xA80), "PKRU at its offset");
            assertEquals(0x37F, m.ram.read16(AREA), "FCW");
            assertEquals(0x1f00, m.ram.read32(AREA + 24), "MXCSR");
            assertEquals(0x1122_3344_5566_7788L, m.ram.read64(AREA + 160), "XMM0");
            assertEquals(0x0102_0304_0506_0708L, m.ram.read64(AREA + 160 + 15 * 16), "XMM15");
        }
    }

    @Test
    void xsaveWritesOnlyTheRequestedComponentsAndTheirHeaderBits() {
        try (TestMachine m = new TestMachine()) {
            m.ram.fill(AREA, 0xB00, (byte) 0xEE);
            assertEquals(-1, run(m, OSXSAVE_ON + PKE_ON + ALL_COMPONENTS + STATE
                    + "mov eax, 1\nxor edx, edx\nxsave [0x8000]\n").vector());
            assertEquals(0x37F, m.ram.read16(AREA), "x87 saved");
            assertEquals(0xEEEE_EEEEL, m.ram.read32(AREA + 24) & 0xFFFF_FFFFL, "MXCSR is SSE's");
            assertEquals(0xEEEE_EEEE_EEEE_EEEEL, m.ram.read64(AREA + 160), "XMM0 is SSE's");
            assertEquals(0xEEEE_EEEE_EEEE_EEEFL, m.ram.read64(AREA + 512), "XSTATE_BV: bit 0 from XINUSE, others kept");
            assertEquals(0xEEEE_EEEE_EEEE_EEEEL, m.ram.read64(AREA + 520), "XCOMP_BV untouched");
            assertEquals(0xEEEE_EEEE_EEEE_EEEEL, m.ram.read64(AREA + 0xA80), "PKRU not requested");
        }
    }

    @Test
    void xrstorLoadsTheInitialConfigurationOfComponentsTheHeaderMarksInitial() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(-1, run(m, OSXSAVE_ON + PKE_ON + ALL_COMPONENTS + STATE
                    + "mov eax, -1\nmov edx, -1\nxsave64 [0x8000]\n"
                    + "mov qword ptr [0x8200], 0\nmov dword ptr [0x8018], 0x1f40\n"
                    + "mov eax, -1\nmov edx, -1\nxrstor64 [0x8000]\n"
                    + "fnstcw [0x6020]\nfnstsw ax\nmov [0x6022], ax\n" + READ_BACK).vector());
            assertEquals(0, m.reg(Cpu.RBX), "XMM0 initial");
            assertEquals(0, m.reg(Cpu.RSI), "XMM15 initial");
            assertEquals(0x1f40, m.ram.read32(0x6008), "MXCSR comes from memory all the same");
            assertEquals(0x37F, m.ram.read16(0x6020), "FCW initial");
            assertEquals(0, m.reg(Cpu.RAX), "PKRU initial");
        }
    }

    @Test
    void xrstorRefusesBadHeadersAlignmentAndMxcsr() {
        String saved = OSXSAVE_ON + "mov eax, 3\nxor edx, edx\nxor ecx, ecx\nxsetbv\nmov eax, -1\nmov edx, -1\n"
                + "xsave [0x8000]\n";
        String restore = "mov eax, -1\nmov edx, -1\nxrstor [0x8000]\n";
        assertEquals(-1, vector(saved + restore));
        assertEquals(Vectors.GP, vector(saved + "mov eax, -1\nmov edx, -1\nxrstor [0x8020]\n"), "64-byte alignment");
        assertEquals(Vectors.GP, vector(saved + "mov eax, -1\nmov edx, -1\nxsave [0x8020]\n"), "for XSAVE too");
        assertEquals(Vectors.GP, vector(saved + "movabs rax, 0x8000000000000003\nmov [0x8208], rax\n" + restore),
                "compacted form (XSAVEC is not offered)");
        assertEquals(Vectors.GP, vector(saved + "mov byte ptr [0x8210], 1\n" + restore), "header bytes 16-23");
        assertEquals(-1, vector(saved + "mov byte ptr [0x8218], 1\n" + restore), "header bytes 24-63 are not checked");
        assertEquals(Vectors.GP, vector(saved + "or dword ptr [0x8200], 0x200\n" + restore),
                "XSTATE_BV names PKRU, which XCR0 does not enable");
        assertEquals(Vectors.GP, vector(saved + "mov dword ptr [0x8018], 0x10000\n" + restore), "MXCSR reserved bits");
        assertEquals(-1, vector(saved + "mov dword ptr [0x8018], 0x10000\nmov eax, 1\nxor edx, edx\nxrstor [0x8000]\n"),
                "MXCSR is not loaded without SSE requested");
        assertEquals(Vectors.NM, vector(saved + "mov rax, cr0\nor eax, 8\nmov cr0, rax\n" + restore), "CR0.TS");
    }

    @Test
    void xsavecAndXsavesStayUndefined() {
        assertEquals(Vectors.UD, vector(OSXSAVE_ON + "mov eax, -1\nmov edx, -1\nxsavec [0x8000]"));
        assertEquals(Vectors.UD, vector(OSXSAVE_ON + "mov eax, -1\nmov edx, -1\nxsaves [0x8000]"));
        assertEquals(Vectors.UD, vector(OSXSAVE_ON + "mov eax, -1\nmov edx, -1\nxrstors [0x8000]"));
    }

    @Test
    void xsaveoptSavesAsXsaveDoes() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(-1, run(m, OSXSAVE_ON + ALL_COMPONENTS + "mov eax, -1\nmov edx, -1\nxsaveopt [0x8000]").vector());
            assertEquals(0x3, m.ram.read64(AREA + 512), "x87 and SSE in use, PKRU initial (zero)");
            assertEquals(0x1f80, m.ram.read32(AREA + 24));
        }
    }
}
