package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** Exceptions in 64-bit mode: vectors, error codes, the faulting RIP, #DF, triple fault, IST and stack switches. */
class ExceptionsTest {
    private static TestMachine.Caught run(TestMachine m, String code) {
        ExitReason r = m.run64(code + "\ncli\nhlt\n");
        assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
        return m.caught();
    }

    private static TestMachine.Caught run(String code) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            return run(m, code);
        }
    }

    @Test
    void divideByZeroIsDivideErrorAtTheDivide() {
        TestMachine.Caught c = run("xor ecx, ecx\nmov eax, 5\ndiv ecx");
        assertEquals(Vectors.DE, c.vector());
        assertEquals(TestMachine.CODE + 7, c.rip(), "after xor (2 bytes) and mov (5 bytes)");
    }

    @Test
    void quotientOverflowIsDivideError() {
        assertEquals(Vectors.DE, run("mov edx, 5\nmov ecx, 2\ndiv ecx").vector());
        assertEquals(Vectors.DE, run("mov eax, 0x80000000\ncdq\nmov ecx, -1\nidiv ecx").vector());
    }

    @Test
    void ud2AndUnimplementedInstructionsAreInvalidOpcode() {
        assertEquals(Vectors.UD, run("ud2").vector());
        assertEquals(Vectors.UD, run("movaps xmm0, xmm1").vector(), "SSE with CR4.OSFXSR clear: #UD");
        assertEquals(Vectors.UD, run("haddps xmm0, xmm1").vector(), "SSE3 is not implemented: #UD");
        assertEquals(Vectors.UD, run(".byte 0xf0, 0xff, 0xc0").vector(), "LOCK with a register destination");
        assertEquals(Vectors.UD, run(".byte 0x06").vector(), "PUSH ES does not exist in 64-bit mode");
    }

    @Test
    void loadingASelectorBeyondTheGdtLimitIsGeneralProtectionWithTheSelector() {
        TestMachine.Caught c = run("mov ax, 0x58\nmov ds, ax");
        assertEquals(Vectors.GP, c.vector());
        assertEquals(0x58, c.errorCode());
    }

    @Test
    void loadingANotPresentSegmentIsSegmentNotPresent() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.ram.write64(TestMachine.GDT + 0x50, 0x00CF_1200_0000_FFFFL);
            m.ram.write16(TestMachine.GDT + 0x00, 0);
            TestMachine.Caught c = run(m, "lgdt [rip + gdtr]\nmov ax, 0x50\nmov ds, ax\njmp 1f\ngdtr: .word 0x57\n.quad 0x1000\n1:");
            assertEquals(Vectors.NP, c.vector());
            assertEquals(0x50, c.errorCode());
        }
    }

    @Test
    void unknownMsrIsGeneralProtection() {
        TestMachine.Caught c = run("mov ecx, 0x12345\nrdmsr");
        assertEquals(Vectors.GP, c.vector());
        assertEquals(0, c.errorCode());
    }

    @Test
    void privilegedInstructionInRingThreeIsGeneralProtection() {
        try (TestMachine m = ringThree()) {
            TestMachine.Caught c = run(m, enterRingThree("hlt"));
            assertEquals(Vectors.GP, c.vector());
            assertEquals(TestMachine.SEL_USER_CODE64, c.cs());
        }
    }

    @Test
    void aFaultWhileDeliveringAFaultIsADoubleFault() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            long gp = TestMachine.IDT + Vectors.GP * 16L;
            m.ram.write64(gp, m.ram.read64(gp) & ~(1L << 47));
            TestMachine.Caught c = run(m, "mov ecx, 0x12345\nrdmsr");
            assertEquals(Vectors.DF, c.vector());
            assertEquals(0, c.errorCode());
        }
    }

    @Test
    void aFaultWhileDeliveringADoubleFaultShutsTheProcessorDown() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("lidt [rip + idtr]\nint3\nidtr: .word 0\n.quad 0");
            assertEquals(ExitReason.SHUTDOWN, r);
        }
    }

    @Test
    void aGateWithAnIstIndexSwitchesToThatStack() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.gate64(Vectors.BP, TestMachine.HANDLERS + 16L * Vectors.BP, 0, 2, false);
            m.ram.write64(TestMachine.TSS + 0x24 + 8, 0x50008);
            TestMachine.Caught c = run(m, "int3");
            assertEquals(Vectors.BP, c.vector());
            assertEquals(0x50000 - 40, m.ram.read64(0x7030), "the frame is on IST2, aligned down to 16");
            assertEquals(TestMachine.SEL_DATA, m.ram.read64(0x50000 - 8), "SS at the top of the frame");
            assertEquals(TestMachine.CODE + 1, c.rip(), "INT3 is a trap: the frame holds the next RIP");
        }
    }

    /** Identity map with user pages, a kernel stack in the TSS, and INT 0x80 open to ring 3. */
    private static TestMachine ringThree() {
        TestMachine m = new TestMachine();
        m.catchExceptions64();
        for (long a = 0; a < (64L << 20); a += 2L << 20) {
            m.pages.map2m(a, a, PageTables.P | PageTables.RW | PageTables.US);
        }
        m.ram.write64(TestMachine.TSS + 4, 0x60000);
        m.gate64(0x80, TestMachine.HANDLERS + 16L * 3, 3, 0, false);
        return m;
    }

    /** Code that IRETQs to ring 3 and runs {@code user} there. */
    private static String enterRingThree(String user) {
        return """
                push %d
                push 0x40000
                push 0x2
                push %d
                lea rax, [rip + user]
                push rax
                iretq
                user:
                %s
                """.formatted(TestMachine.SEL_USER_DATA, TestMachine.SEL_USER_CODE64, user);
    }

    @Test
    void iretToRingThreeNullsDataSegmentsRingThreeMayNotUse() {
        try (TestMachine m = ringThree()) {
            m.ram.write64(0x5000, 0x1122_3344_5566_7788L);
            TestMachine.Caught c = run(m, "mov ax, %d\nmov fs, ax\nxor eax, eax\nmov es, ax\n".formatted(TestMachine.SEL_USER_DATA)
                    + "mov ax, 0x10\nmov gs, ax\nmov ecx, 0xc0000101\nmov eax, 0x5000\nxor edx, edx\nwrmsr\n"
                    + enterRingThree("mov r12w, ds\nmov r13w, fs\nmov r14w, es\nmov bx, gs\nmov r15, gs:[0]\nint 0x80"));
            assertEquals(3, c.vector(), "the ring-3 code ran to INT 0x80");
            assertEquals(0, m.reg(12) & 0xFFFF, "DS (DPL 0) is nulled on the way out");
            assertEquals(TestMachine.SEL_USER_DATA, m.reg(13) & 0xFFFF, "FS (DPL 3) stays");
            assertEquals(0, m.reg(14) & 0xFFFF, "ES, already null, stays null");
            assertEquals(0, m.reg(Cpu.RBX) & 0xFFFF, "GS (DPL 0) is nulled");
            assertEquals(0x1122_3344_5566_7788L, m.reg(15), "only GS's selector: its base (from the MSR) stays");
        }
    }

    @Test
    void interruptFromRingThreeSwitchesToTheTssStack() {
        try (TestMachine m = ringThree()) {
            TestMachine.Caught c = run(m, enterRingThree("mov r12, 7\nint 0x80"));
            assertEquals(3, c.vector(), "the stub for vector 3 is installed at 0x80");
            assertEquals(TestMachine.SEL_USER_CODE64, c.cs());
            assertEquals(TestMachine.SEL_USER_DATA, m.ram.read64(0x60000 - 8), "SS of ring 3 on the kernel stack");
            assertEquals(0x40000, m.ram.read64(0x60000 - 16), "RSP of ring 3 on the kernel stack");
            assertEquals(7, m.reg(12));
        }
    }

    @Test
    void softwareInterruptThroughAGateRingThreeMayNotUseIsGeneralProtection() {
        try (TestMachine m = ringThree()) {
            TestMachine.Caught c = run(m, enterRingThree("int 0x81"));
            assertEquals(Vectors.GP, c.vector());
            assertEquals(0x81 * 8 + 2, c.errorCode());
        }
    }

    @Test
    void syscallAndSysretRoundTrip() {
        try (TestMachine m = ringThree()) {
            String code = """
                    mov ecx, 0xC0000081
                    mov edx, 0x00230008
                    xor eax, eax
                    wrmsr
                    mov ecx, 0xC0000082
                    lea rax, [rip + kernel]
                    mov rdx, rax
                    shr rdx, 32
                    wrmsr
                    mov ecx, 0xC0000084
                    mov eax, 0x200
                    xor edx, edx
                    wrmsr
                    """ + enterRingThree("""
                    mov rsp, 0x40000
                    syscall
                    mov [0x6008], rcx
                    mov ax, cs
                    mov [0x6010], ax
                    hlt
                    kernel:
                    mov ax, cs
                    mov [0x6000], ax
                    sysretq
                    """);
            run(m, code);
            assertEquals(0x08, m.ram.read16(0x6000), "SYSCALL enters ring 0 at STAR[47:32]");
            assertEquals(0x33, m.ram.read16(0x6010), "SYSRETQ returns to STAR[63:48] + 16, RPL 3");
            assertEquals(Vectors.GP, m.caught().vector(), "HLT in ring 3 after the return");
        }
    }

    @Test
    void exceptionsInThirtyTwoBitProtectedModeUseThirtyTwoBitGates() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.load(TestMachine.CODE, jvisor.engine.emu.Asm.code32("mov ax, 0x18\nmov es, ax\nmov [es:0], eax\ncli\nhlt"));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            TestMachine.Caught c = m.caught();
            assertEquals(Vectors.GP, c.vector(), "writing through a code segment");
            assertEquals(0, c.errorCode());
            assertTrue(c.rip() > TestMachine.CODE);
        }
    }
}
