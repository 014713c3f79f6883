package jvisor.engine.emu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * The environment and save-area layouts the host cannot show (it runs the differential tests in
 * 64-bit mode only): the 32-bit and 16-bit protected-mode formats with selectors, the real-mode
 * formats with 20-bit linear pointers around the opcode, and the FXSAVE form without REX.W
 * (32-bit pointers with selectors, XMM0-7 only).
 */
class X87EnvironmentTest {
    private static final long DATA = 0x6000;
    private static final long ENV = 0x7400;

    /** The code before the instruction whose pointers FNSTENV reports. */
    private static final String BEFORE = "fninit\nfld1\n";
    private static final String LAST = "fld dword ptr [0x6000]\n";

    private static TestMachine protected32(String code) {
        TestMachine m = new TestMachine();
        m.ram.write32(DATA, Float.floatToRawIntBits(2.5f));
        m.load(TestMachine.CODE, Asm.code32(code + "cli\nhlt\n"));
        m.protected32(TestMachine.CODE);
        assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
        return m;
    }

    @Test
    void protectedMode32BitEnvironment() {
        try (TestMachine m = protected32(BEFORE + LAST + "fnstenv [0x7400]\n")) {
            long lastIp = TestMachine.CODE + Asm.code32(BEFORE).length;
            assertEquals(0xFFFF_0000L | FpuState.FCW_DEFAULT, m.ram.read32(ENV) & 0xFFFF_FFFFL);
            assertEquals(0xFFFF_0000L | (6 << 11), m.ram.read32(ENV + 4) & 0xFFFF_FFFFL, "TOP = 6");
            assertEquals(0xFFFF_0FFFL, m.ram.read32(ENV + 8) & 0xFFFF_FFFFL, "two valid registers, six empty");
            assertEquals(lastIp, m.ram.read32(ENV + 12) & 0xFFFF_FFFFL, "FIP");
            assertEquals(TestMachine.SEL_CODE32 | (0x105 << 16), m.ram.read32(ENV + 16), "FCS and FOP (D9 05)");
            assertEquals(DATA, m.ram.read32(ENV + 20), "FDP");
            assertEquals(0xFFFF_0000L | TestMachine.SEL_DATA, m.ram.read32(ENV + 24) & 0xFFFF_FFFFL, "FDS");
            assertEquals(0x037F | 0x3F, m.processor().fpu.control, "FNSTENV masks every exception");
        }
    }

    @Test
    void protectedMode16BitEnvironmentAndSave() {
        try (TestMachine m = protected32(BEFORE + LAST + "data16 fnsave [0x7400]\n")) {
            long lastIp = TestMachine.CODE + Asm.code32(BEFORE).length;
            assertEquals(FpuState.FCW_DEFAULT, m.ram.read16(ENV));
            assertEquals(6 << 11, m.ram.read16(ENV + 2));
            assertEquals(0x0FFF, m.ram.read16(ENV + 4));
            assertEquals(lastIp & 0xFFFF, m.ram.read16(ENV + 6));
            assertEquals(TestMachine.SEL_CODE32, m.ram.read16(ENV + 8));
            assertEquals(DATA, m.ram.read16(ENV + 10));
            assertEquals(TestMachine.SEL_DATA, m.ram.read16(ENV + 12));
            assertEquals(0x4000, m.ram.read16(ENV + 14 + 8), "ST(0) = 2.5 after the 14-byte environment");
            assertEquals(0x3FFF, m.ram.read16(ENV + 24 + 8), "ST(1) = 1.0");
            assertEquals(0xFF, m.processor().fpu.empty, "FNSAVE reinitializes");
        }
    }

    @Test
    void saveAndRestoreRoundTripIn32BitMode() {
        try (TestMachine m = protected32(BEFORE + LAST + "fnsave [0x7400]\nfldz\nfrstor [0x7400]\n"
                + "fstp dword ptr [0x6010]\nfstp dword ptr [0x6014]\n")) {
            assertEquals(2.5f, Float.intBitsToFloat(m.ram.read32(0x6010)));
            assertEquals(1.0f, Float.intBitsToFloat(m.ram.read32(0x6014)));
        }
    }

    @Test
    void realModeEnvironmentHoldsLinearPointers() {
        try (TestMachine m = new TestMachine()) {
            int cs = 0x1234;
            int ip = 0x0100;
            byte[] code = Asm.code16("fninit\nfld1\nfnstenv [0x500]\ndata32 fnstenv [0x600]\ncli\nhlt\n");
            long start = ((long) cs << 4) + ip;
            m.load(start, code);
            m.realMode(cs, ip);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            long fip = start + 2;
            assertEquals(fip & 0xFFFF, m.ram.read16(0x506), "FIP[15:0]");
            assertEquals((int) ((fip >>> 16) << 12) | 0x1E8, m.ram.read16(0x508), "FIP[19:16] and FOP (D9 E8)");
            assertEquals((fip & 0xFFFF) | 0xFFFF_0000L, m.ram.read32(0x60C) & 0xFFFF_FFFFL);
            assertEquals((int) ((fip >>> 16) << 12) | 0x1E8, m.ram.read32(0x610), "32-bit real-mode layout");
        }
    }

    @Test
    void fxsaveWithoutRexWStoresSelectorsAndEightXmmRegisters() {
        String sse = "mov eax, cr4\nor eax, 0x600\nmov cr4, eax\n";
        try (TestMachine m = new TestMachine()) {
            m.ram.write32(DATA, Float.floatToRawIntBits(2.5f));
            for (int k = 0; k < 512; k += 8) {
                m.ram.write64(0x7800 + k, 0x5A5A_5A5A_5A5A_5A5AL);
            }
            m.load(TestMachine.CODE, Asm.code32(sse + BEFORE + LAST + "pcmpeqb xmm7, xmm7\nfxsave [0x7800]\n"
                    + "cli\nhlt\n"));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            long lastIp = TestMachine.CODE + Asm.code32(sse + BEFORE).length;
            assertEquals(lastIp, m.ram.read32(0x7808) & 0xFFFF_FFFFL, "FIP");
            assertEquals(TestMachine.SEL_CODE32, m.ram.read16(0x780C), "FCS");
            assertEquals(DATA, m.ram.read32(0x7810), "FDP");
            assertEquals(TestMachine.SEL_DATA, m.ram.read16(0x7814), "FDS");
            assertEquals(0x105, m.ram.read16(0x7806), "FOP");
            assertEquals(-1L, m.ram.read64(0x7800 + 160 + 7 * 16), "XMM7");
            assertEquals(0x5A5A_5A5A_5A5A_5A5AL, m.ram.read64(0x7800 + 160 + 8 * 16), "no XMM8 outside 64-bit mode");
        }
    }
}
