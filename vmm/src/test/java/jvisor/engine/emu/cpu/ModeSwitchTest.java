package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * The guest switches modes itself: real mode to 32-bit protected mode (CR0.PE and a far jump), to
 * long mode (CR4.PAE, EFER.LME, CR0.PG), to compatibility mode (far return), back to protected mode
 * (CR0.PG off) and to real mode (CR0.PE off), leaving a marker in memory at each step.
 */
class ModeSwitchTest {
    private static final String ROUND_TRIP = """
            .code16
            start:
                cli
                xor ax, ax
                mov ds, ax
                mov ss, ax
                mov sp, 0x7000
                mov word ptr [0x6000], 16
                lgdt [gdtr]
                mov eax, cr0
                or eax, 1
                mov cr0, eax
                ljmp 0x18, offset prot
            .code32
            prot:
                mov ax, 0x10
                mov ds, ax
                mov es, ax
                mov ss, ax
                mov esp, 0x90000
                mov dword ptr [0x6004], 32
                mov eax, cr4
                or eax, 0x20
                mov cr4, eax
                mov eax, 0x10000
                mov cr3, eax
                mov ecx, 0xC0000080
                rdmsr
                or eax, 0x100
                wrmsr
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                ljmp 0x08, offset long64
            .code64
            long64:
                movabs rax, 0x123456789
                mov [0x6008], rax
                push 0x18
                lea rax, [rip + compat]
                push rax
                rex.w retf
            .code32
            compat:
                mov dword ptr [0x6010], 0xC0
                mov eax, cr0
                and eax, 0x7fffffff
                mov cr0, eax
                mov ecx, 0xC0000080
                rdmsr
                mov [0x6014], eax
                ljmp 0x20, offset prot16
            .code16
            prot16:
                mov eax, cr0
                and eax, 0xfffffffe
                mov cr0, eax
                ljmp 0, offset real
            real:
                xor ax, ax
                mov ds, ax
                mov word ptr [0x6018], 0x1616
                cli
                hlt
            gdtr:
                .word 0x4f
                .long 0x1000
            """;

    @Test
    void realToProtectedToLongToCompatibilityAndBack() {
        try (TestMachine m = new TestMachine()) {
            m.pages.identity2m(0, 1L << 30);
            m.load(0x8000, Asm.at(0x8000, ROUND_TRIP));
            m.realMode(0, 0x8000);
            ExitReason r = m.run();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(16, m.ram.read16(0x6000), "ran in real mode");
            assertEquals(32, m.ram.read32(0x6004), "reached 32-bit protected mode");
            assertEquals(0x123456789L, m.ram.read64(0x6008), "reached 64-bit mode");
            assertEquals(0xC0, m.ram.read32(0x6010), "reached compatibility mode");
            assertEquals(0, m.ram.read32(0x6014) & (1 << 10), "EFER.LMA clears with CR0.PG");
            assertEquals(0x1616, m.ram.read16(0x6018), "back in real mode");
            Cpu c = m.processor();
            assertFalse(c.protectedMode());
            assertFalse(c.longModeActive());
            assertEquals(2, c.codeSize());
        }
    }

    @Test
    void enablingPagingWithLongModeButWithoutPaeIsGeneralProtection() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.load(TestMachine.CODE, Asm.code32("""
                    mov ecx, 0xC0000080
                    rdmsr
                    or eax, 0x100
                    wrmsr
                    mov eax, 0x10000
                    mov cr3, eax
                    mov eax, cr0
                    or eax, 0x80000000
                    mov cr0, eax
                    cli
                    hlt
                    """));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(Vectors.GP, m.caught().vector());
            assertFalse(m.processor().longModeActive());
        }
    }

    @Test
    void farCallAndReturnBetweenSixtyFourBitAndCompatibilityCode() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64("""
                    lea rax, [rip + far32]
                    mov [0x6100], eax
                    mov word ptr [0x6104], 0x18
                    call fword ptr [0x6100]
                    mov [0x6110], rsp
                    cli
                    hlt
                    .code32
                    far32:
                    mov dword ptr [0x6108], 0x3232
                    retf
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(-1, m.caught().vector(), "no exception");
            assertEquals(0x3232, m.ram.read32(0x6108));
            assertTrue(m.processor().mode64(), "back in 64-bit mode");
            assertEquals(TestMachine.STACK, m.ram.read64(0x6110), "the stack is balanced");
        }
    }
}
