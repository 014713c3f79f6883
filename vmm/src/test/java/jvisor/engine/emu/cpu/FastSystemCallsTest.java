package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.CpuVendor;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * SYSENTER/SYSEXIT between ring 0 and ring 3 in 64-bit mode, SWAPGS, and where the two vendors
 * differ: SYSCALL from compatibility mode (AMD: to CSTAR; Intel: #UD), SYSENTER in long mode
 * (AMD: #UD), and SYSRET's single-step trap, taken from TF as SYSRET leaves it.
 */
class FastSystemCallsTest {
    private static final long MARKS = 0x6000;

    /** A machine whose processor says {@code vendor}, with the first 64 MiB user-accessible and an RSP0 for ring 3. */
    private static TestMachine machine(CpuVendor vendor) {
        TestMachine m = new TestMachine();
        m.processor().vendor = vendor;
        m.catchExceptions64();
        for (long a = 0; a < (64L << 20); a += 2L << 20) {
            m.pages.map2m(a, a, PageTables.P | PageTables.RW | PageTables.US);
        }
        m.ram.write64(TestMachine.TSS + 4, 0x5_8000);
        return m;
    }

    /**
     * Ring 0 SYSRETs (32-bit) to compatibility-mode ring 3, which sets TF and runs SYSCALL; the
     * kernel at CSTAR records what it got and SYSRETs back with R11's TF set, and the #DB that
     * follows is caught. The guest writes the addresses of its labels at_syscall, after_syscall and
     * kernel32 to MARKS + 0x40, 0x48, 0x50.
     */
    private static TestMachine compatSyscallRoundTrip(CpuVendor vendor) {
        TestMachine m = machine(vendor);
        m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                .code64
                mov ecx, 0xC0000081
                xor eax, eax
                mov edx, 0x00280008
                wrmsr
                mov ecx, 0xC0000083
                mov eax, offset kernel32
                xor edx, edx
                wrmsr
                mov ecx, 0xC0000084
                mov eax, 0x4700
                wrmsr
                mov qword ptr [0x6040], offset at_syscall
                mov qword ptr [0x6048], offset after_syscall
                mov qword ptr [0x6050], offset kernel32
                mov ecx, offset user32
                mov r11d, 0x2
                .byte 0x0f, 0x07 # sysretl (32-bit operand size)
                .code32
                user32:
                pushfd
                pop eax
                or eax, 0x100
                push eax
                popfd
                at_syscall:
                syscall
                after_syscall:
                nop
                cli
                hlt
                .code64
                kernel32:
                mov [0x6000], rcx
                mov [0x6008], r11
                mov ax, cs
                mov [0x6010], ax
                pushfq
                pop rax
                mov [0x6018], rax
                .byte 0x0f, 0x07 # sysretl (32-bit operand size)
                """));
        m.longMode(TestMachine.CODE);
        assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
        return m;
    }

    @Test
    void amdSyscallFromCompatibilityModeEntersCstarAndSysretTrapsOnTheWayBack() {
        try (TestMachine m = compatSyscallRoundTrip(CpuVendor.AMD)) {
            long after = m.ram.read64(MARKS + 0x48);
            assertEquals(after, m.ram.read64(MARKS), "RCX: the instruction after SYSCALL");
            assertEquals(0x102, m.ram.read64(MARKS + 8) & 0xFFFF, "R11: the user's RFLAGS with TF");
            assertEquals(0x08, m.ram.read16(MARKS + 0x10), "CS from STAR[47:32]");
            assertEquals(0, m.ram.read64(MARKS + 0x18) & 0x4700, "SFMASK cleared TF, IF, DF and NT; no trap in the kernel");
            TestMachine.Caught db = m.caught();
            assertEquals(Vectors.DB, db.vector(), "SYSRET restored TF: single-step trap at once");
            assertEquals(after, db.rip(), "the trap points at the next user instruction");
            assertEquals(TestMachine.SEL_USER_CODE32, db.cs(), "taken in compatibility-mode ring 3");
        }
    }

    @Test
    void intelSyscallFromCompatibilityModeIsUndefined() {
        try (TestMachine m = compatSyscallRoundTrip(CpuVendor.INTEL)) {
            TestMachine.Caught ud = m.caught();
            assertEquals(Vectors.UD, ud.vector());
            assertEquals(m.ram.read64(MARKS + 0x40), ud.rip());
            assertEquals(TestMachine.SEL_USER_CODE32, ud.cs());
            assertEquals(0, m.ram.read64(MARKS), "the kernel never ran");
        }
    }

    /** SYSRET to a non-canonical RIP: Intel refuses it in ring 0, AMD goes to ring 3 and the fetch faults there. */
    @Test
    void sysretToANonCanonicalRipFaultsInRingZeroOnIntelAndRingThreeOnAmd() {
        for (CpuVendor v : CpuVendor.values()) {
            try (TestMachine m = machine(v)) {
                ExitReason r = m.run64("""
                        mov ecx, 0xC0000081
                        xor eax, eax
                        mov edx, 0x00280008
                        wrmsr
                        mov rcx, 0x0000800000000000
                        mov r11d, 0x2
                        sysretq
                        """);
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                TestMachine.Caught gp = m.caught();
                assertEquals(Vectors.GP, gp.vector(), v.id());
                assertEquals(v == CpuVendor.AMD ? TestMachine.SEL_USER_CODE64 : TestMachine.SEL_CODE64, gp.cs(), v.id());
            }
        }
    }

    @Test
    void outsideLongModeOnlyAmdReportsSyscall() {
        for (CpuVendor v : CpuVendor.values()) {
            try (TestMachine m = new TestMachine()) {
                m.processor().vendor = v;
                m.load(TestMachine.CODE, Asm.code32("mov eax, 0x80000001\ncpuid\nmov [0x6000], edx\ncli\nhlt"));
                m.protected32(TestMachine.CODE);
                assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
                assertEquals(v == CpuVendor.AMD ? 1 << 11 : 0, m.ram.read32(MARKS) & (1 << 11), v.id());
            }
        }
    }

    @Test
    void amdSysenterInLongModeIsUndefined() {
        try (TestMachine m = machine(CpuVendor.AMD)) {
            ExitReason r = m.run64("""
                    mov ecx, 0x174
                    mov eax, 0x08
                    xor edx, edx
                    wrmsr
                    sysenter
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.UD, m.caught().vector());
        }
    }

    @Test
    void cpuidNamesTheVendor() {
        for (CpuVendor v : CpuVendor.values()) {
            try (TestMachine m = machine(v)) {
                ExitReason r = m.run64("""
                        xor eax, eax
                        cpuid
                        mov [0x6000], ebx
                        mov [0x6004], edx
                        mov [0x6008], ecx
                        mov eax, 0x80000001
                        cpuid
                        mov [0x6010], edx
                        cli
                        hlt
                        """);
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                byte[] name = new byte[12];
                for (int i = 0; i < 12; i++) {
                    name[i] = (byte) m.ram.read8(MARKS + i);
                }
                assertEquals(v.id(), new String(name, java.nio.charset.StandardCharsets.US_ASCII));
                assertEquals(1 << 11, m.ram.read32(MARKS + 0x10) & (1 << 11), "SYSCALL in 64-bit mode");
            }
        }
    }
    @Test
    void sysexitToRingThreeAndSysenterBack() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            for (long a = 0; a < (64L << 20); a += 2L << 20) {
                m.pages.map2m(a, a, PageTables.P | PageTables.RW | PageTables.US);
            }
            ExitReason r = m.run64("""
                    mov ecx, 0x174
                    mov eax, 0x08
                    xor edx, edx
                    wrmsr
                    mov ecx, 0x175
                    mov eax, 0x58000
                    wrmsr
                    mov ecx, 0x176
                    lea rax, [rip + kernel]
                    mov rdx, rax
                    shr rdx, 32
                    wrmsr
                    lea rdx, [rip + user]
                    mov rcx, 0x44000
                    rex.w sysexit
                    user:
                    mov ax, cs
                    mov [0x6000], ax
                    mov [0x6008], rsp
                    sysenter
                    kernel:
                    mov ax, cs
                    mov [0x6010], ax
                    mov [0x6018], rsp
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(-1, m.caught().vector(), "no exception");
            assertEquals(0x08 + 32 | 3, m.ram.read16(0x6000), "SYSEXIT to 64-bit ring 3: SYSENTER_CS + 32, RPL 3");
            assertEquals(0x44000, m.ram.read64(0x6008), "RSP from RCX");
            assertEquals(0x08, m.ram.read16(0x6010), "SYSENTER to SYSENTER_CS");
            assertEquals(0x58000, m.ram.read64(0x6018), "RSP from SYSENTER_ESP");
        }
    }

    @Test
    void swapgsExchangesTheGsBaseWithKernelGsBase() {
        try (TestMachine m = new TestMachine()) {
            m.ram.write64(0x5000, 0x1111);
            m.ram.write64(0x5800, 0x2222);
            ExitReason r = m.run64("""
                    mov ecx, 0xC0000101
                    mov eax, 0x5000
                    xor edx, edx
                    wrmsr
                    mov ecx, 0xC0000102
                    mov eax, 0x5800
                    wrmsr
                    mov rax, gs:[0]
                    mov [0x6000], rax
                    swapgs
                    mov rax, gs:[0]
                    mov [0x6008], rax
                    mov ecx, 0xC0000102
                    rdmsr
                    mov [0x6010], eax
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(0x1111, m.ram.read64(0x6000));
            assertEquals(0x2222, m.ram.read64(0x6008));
            assertEquals(0x5000, m.ram.read32(0x6010), "the old GS base is now KERNEL_GS_BASE");
        }
    }
}
