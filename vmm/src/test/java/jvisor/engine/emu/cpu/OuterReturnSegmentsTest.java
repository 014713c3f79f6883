package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * IRET to ring 3 nulls GS when its descriptor is ring 0's, but in long mode the base written
 * through IA32_GS_BASE stays (as QEMU and the processors kvm-unit-tests runs on keep it): kernel
 * code that uses %gs after a round trip through user mode, as kvm-unit-tests' does, still finds
 * its per-processor data.
 */
class OuterReturnSegmentsTest {
    @Test
    void gsBaseSurvivesTheNullingOfAnIretToRingThree() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            for (long a = 0; a < (64L << 20); a += 2L << 20) {
                m.pages.map2m(a, a, PageTables.P | PageTables.RW | PageTables.US);
            }
            m.ram.write64(TestMachine.TSS + 4, 0x60000);
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    mov eax, 0x10
                    mov gs, ax
                    mov ecx, 0xc0000101
                    mov eax, 0x12345000
                    xor edx, edx
                    wrmsr
                    push %d
                    push 0x40000
                    push 0x2
                    push %d
                    lea rax, [rip + user]
                    push rax
                    iretq
                    user:
                    int 0x80
                    .org 0x800
                    mov ecx, 0xc0000101
                    rdmsr
                    mov [0x200fc0], eax
                    mov ax, gs
                    mov [0x200fc8], ax
                    cli
                    hlt
                    """.formatted(TestMachine.SEL_USER_DATA, TestMachine.SEL_USER_CODE64)));
            m.gate64(0x80, TestMachine.CODE + 0x800, 3, 0, false);
            m.longMode(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(-1, m.caught().vector());
            assertEquals(0, m.ram.read16(0x200FC8), "GS nulled by the IRET to ring 3");
            assertEquals(0x12345000, m.ram.read32(0x200FC0), "its base kept");
        }
    }
}
