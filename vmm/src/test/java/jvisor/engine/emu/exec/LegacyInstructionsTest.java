package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/** Instructions 64-bit mode dropped, in 32-bit protected mode: BCD adjustments, PUSHA/POPA, BOUND, 32-bit defaults. */
class LegacyInstructionsTest {
    private static TestMachine run32(String code) {
        TestMachine m = new TestMachine();
        m.catchExceptions32();
        m.load(TestMachine.CODE, Asm.code32(code + "\ncli\nhlt\n"));
        m.protected32(TestMachine.CODE);
        assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
        return m;
    }

    private static long flags(TestMachine m) {
        return m.processor().rflags();
    }

    @Test
    void packedBcdAdditionAndSubtraction() {
        try (TestMachine m = run32("mov al, 0x79\nadd al, 0x35\ndaa\nmov bl, al\nmov al, 0x35\nsub al, 0x47\ndas")) {
            assertEquals(0x14, m.reg(Cpu.RBX) & 0xFF, "79 + 35 = 114 in BCD");
            assertEquals(0x88, m.reg(Cpu.RAX) & 0xFF, "35 - 47 = -12, i.e. 88 with a borrow");
            assertEquals(Flags.CF, flags(m) & Flags.CF);
        }
    }

    @Test
    void unpackedBcdAdjustments() {
        try (TestMachine m = run32("mov ax, 0x0009\nadd al, 0x08\naaa\nmov bx, ax\nmov ax, 0x0102\nsub al, 0x05\naas")) {
            assertEquals(0x0107, m.reg(Cpu.RBX) & 0xFFFF, "9 + 8 = 17 as unpacked digits 01 07");
            assertEquals(0x0007, m.reg(Cpu.RAX) & 0xFFFF, "12 - 5 = 07 with AH decremented");
        }
    }

    @Test
    void asciiMultiplyAndDivideAdjustments() {
        try (TestMachine m = run32("mov al, 63\naam\nmov bx, ax\nmov ax, 0x0607\naad")) {
            assertEquals(0x0603, m.reg(Cpu.RBX) & 0xFFFF, "63 = 6 tens, 3 units");
            assertEquals(67, m.reg(Cpu.RAX) & 0xFFFF, "6 tens and 7 units = 67");
        }
        try (TestMachine m = run32(".byte 0xd4, 0x00")) {
            assertEquals(Vectors.DE, m.caught().vector(), "AAM 0 divides by zero");
        }
    }

    @Test
    void pushaAndPopaSaveEveryRegisterWithTheOriginalEsp() {
        try (TestMachine m = run32("""
                mov eax, 1
                mov ecx, 2
                mov edx, 3
                mov ebx, 4
                mov ebp, 6
                mov esi, 7
                mov edi, 8
                pusha
                mov eax, [esp + 12]
                mov [0x6000], eax
                mov dword ptr [esp + 28], 0x99
                popa
                """)) {
            assertEquals(TestMachine.STACK, m.ram.read32(0x6000), "the ESP slot holds ESP before PUSHA");
            assertEquals(0x99, m.reg(Cpu.RAX), "POPA loads EAX from the top slot");
            assertEquals(TestMachine.STACK, m.reg(Cpu.RSP));
            assertEquals(8, m.reg(Cpu.RDI));
        }
    }

    @Test
    void boundRaisesBoundRangeOutsideTheLimits() {
        try (TestMachine m = run32("mov dword ptr [0x6000], 10\nmov dword ptr [0x6004], 20\nmov eax, 15\nbound eax, [0x6000]")) {
            assertEquals(-1, m.caught().vector());
        }
        try (TestMachine m = run32("mov dword ptr [0x6000], 10\nmov dword ptr [0x6004], 20\nmov eax, 21\nbound eax, [0x6000]")) {
            assertEquals(Vectors.BR, m.caught().vector());
        }
    }

    @Test
    void pushAndShortIncDecDefaultToThirtyTwoBits() {
        try (TestMachine m = run32("mov eax, 0xffffffff\ninc eax\npush eax\n.byte 0x48\npush eax")) {
            assertEquals(0xFFFF_FFFFL, m.reg(Cpu.RAX), "0x48 is DEC EAX outside 64-bit mode");
            assertEquals(TestMachine.STACK - 8, m.reg(Cpu.RSP), "two 4-byte pushes");
        }
    }
}
