package jvisor.engine.emu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Insn} keeps its operands in narrow fields: each comes back as it went in, at the extremes the decoder makes. */
class InsnTest {
    private static final Op NOP = (c, i) -> { };

    private static Insn insn(int opSize, int addrSize, int reg, int base, long rip, long nextRip, int length) {
        return new Insn(NOP, 0xFF, opSize, addrSize, reg, Insn.NONE, base, Insn.NONE, 3, -0x8000_0000L, -1, true,
                0x8000_0000_0000_0000L, 0xFFFF_FFFF_8100_0000L, 7, 15, (1 << 10) - 1, 0x3AFF, rip, nextRip, length,
                true, true);
    }

    @Test
    void operandsComeBackAsDecoded() {
        Insn i = insn(8, 8, 19, Insn.NONE, 0xFFFF_FFFF_8100_0000L, 0xFFFF_FFFF_8100_000FL, 15);
        assertEquals(0xFF, i.fastForm());
        assertEquals(8, i.opSize());
        assertEquals(19, i.reg()); // BH
        assertEquals(Insn.NONE, i.rm());
        assertEquals(Insn.NONE, i.base());
        assertTrue(i.isMemory());
        assertEquals(3, i.scale());
        assertEquals(-0x8000_0000L, i.disp());
        assertEquals(-1, i.seg());
        assertEquals(0x8000_0000_0000_0000L, i.imm());
        assertEquals(0xFFFF_FFFF_8100_0000L, i.imm2());
        assertEquals(7, i.sub());
        assertEquals(15, i.vreg());
        assertTrue(i.hasPrefix(Insn.P_VEXL) && i.hasPrefix(Insn.P_LOCK));
        assertEquals(0x3AFF, i.opcode());
        assertEquals(15, i.length());
        assertTrue(i.flat() && i.mode64() && i.endsBlock());
        Insn plain = new Insn(NOP, 0, 4, 4, 0, 3, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, 0, 0xE8, 0x1000, 0x1005, 5,
                false, false);
        assertFalse(plain.flat() || plain.mode64() || plain.endsBlock() || plain.isMemory());
        assertEquals(0, plain.scale());
    }

    @Test
    void valuesTooWideForTheirFieldsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Insn(NOP, 0x100, 4, 4, 0, 0, 0, 0, 0, 0, 0, false, 0, 0,
                0, 0, 0, 0x90, 0, 1, 1, false, false));
        assertThrows(IllegalArgumentException.class, () -> new Insn(NOP, 1, 4, 4, 0, 0, 0, 0, 4, 0, 0, false, 0, 0,
                0, 0, 0, 0x90, 0, 1, 1, false, false));
    }

    @Test
    void addressMaskFollowsTheAddressSize() {
        assertEquals(-1L, insn(4, 8, 0, 0, 0, 1, 1).addrMask());
        assertEquals(0xFFFF_FFFFL, insn(4, 4, 0, 0, 0, 1, 1).addrMask());
        assertEquals(0xFFFFL, insn(4, 2, 0, 0, 0, 1, 1).addrMask());
    }

    @Test
    void nextRipWrapsWhereTheDecoderWrappedIt() {
        assertEquals(0x1, insn(2, 2, 0, 0, 0xFFFE, 0x1, 3).nextRip());
        assertEquals(0x1_0001L, insn(2, 2, 0, 0, 0xFFFE, 0x1_0001L, 3).nextRip());
        assertEquals(0x1, insn(4, 4, 0, 0, 0xFFFF_FFFEL, 0x1, 3).nextRip());
        assertEquals(0x1, insn(8, 8, 0, 0, -2L, 0x1, 3).nextRip());
        assertThrows(IllegalArgumentException.class, () -> insn(8, 8, 0, 0, 0x1000, 0x1004, 3));
    }
}
