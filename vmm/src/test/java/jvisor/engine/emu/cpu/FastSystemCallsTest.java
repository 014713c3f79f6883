package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** SYSENTER/SYSEXIT between ring 0 and ring 3 in 64-bit mode, and SWAPGS. */
class FastSystemCallsTest {
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
