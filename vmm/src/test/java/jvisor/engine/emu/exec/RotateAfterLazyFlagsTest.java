package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Decoder;
import jvisor.engine.emu.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * ROL, ROR, RCL and RCR after each kind of recorded flag-setting operation (lazy flags): CF and
 * OF come from the rotate, ZF, SF, PF and AF stay what the operation before made them.
 */
class RotateAfterLazyFlagsTest {
    private static final String[] BEFORE = {
        "add ecx, edx", "adc rcx, rdx", "sub ecx, edx", "sbb rcx, rdx", "and ecx, edx", "inc ecx", "dec rcx",
        "shl ecx, 3", "neg rcx", "popfq", "cmp cl, dl", "add cx, dx"};
    private static final String[] ROTATES = {
        "rol ecx, 5", "ror rcx, 61", "rol rcx, 1", "ror cx, 3", "rcl ecx, 7", "rcr rcx, 1", "rol cl, cl", "ror ecx, cl"};

    @Test
    void rotatesKeepTheOtherFlagsOfEveryKindOfOperation() {
        Random random = new Random(5);
        Decoder decoder = new Decoder(BaseOpcodes.maps());
        try (TestMachine m = new TestMachine()) {
            for (String before : BEFORE) {
                for (String rotate : ROTATES) {
                    for (int round = 0; round < 32; round++) {
                        byte[] first = Asm.code64(before);
                        byte[] second = Asm.code64(rotate);
                        byte[] code = new byte[first.length + second.length];
                        System.arraycopy(first, 0, code, 0, first.length);
                        System.arraycopy(second, 0, code, first.length, second.length);
                        m.load(TestMachine.CODE, code);
                        m.longMode(TestMachine.CODE);
                        Cpu c = m.processor();
                        c.setReg(Cpu.RCX, random.nextInt(4) == 0 ? random.nextInt(256) - 128 : random.nextLong());
                        c.setReg(Cpu.RDX, random.nextInt(4) == 0 ? random.nextInt(64) : random.nextLong());
                        c.setReg(Cpu.RSP, TestMachine.STACK - 0x80);
                        m.ram.write64(TestMachine.STACK - 0x80, random.nextLong());
                        c.setRflags(random.nextLong() & Flags.ARITH | 2);
                        step(c, decoder.decode(c, TestMachine.CODE));
                        long kept = c.rflags() & (Flags.ZF | Flags.SF | Flags.PF | Flags.AF);
                        long carryIn = c.rflags() & Flags.CF;
                        long value = c.reg(Cpu.RCX);
                        Insn x = decoder.decode(c, TestMachine.CODE + first.length);
                        step(c, x);
                        String what = before + "; " + rotate + " from " + Long.toHexString(value) + " CF " + carryIn;
                        assertEquals(kept, c.rflags() & (Flags.ZF | Flags.SF | Flags.PF | Flags.AF), what);
                        assertEquals(expectedCarryAndOverflow(x, value, carryIn != 0, c),
                                c.rflags() & (Flags.CF | Flags.OF), what);
                    }
                }
            }
        }
    }

    private static void step(Cpu c, Insn x) {
        c.setRip(x.nextRip());
        FastForms.exec(c, x);
    }

    /** CF and OF of the rotate, worked out bit by bit from the value before it. */
    private static long expectedCarryAndOverflow(Insn x, long before, boolean carryIn, Cpu c) {
        int w = x.opSize() * 8;
        int n = (int) (x.opcode() == 0xD1 || x.opcode() == 0xD0 ? 1
                : x.opcode() == 0xD3 || x.opcode() == 0xD2 ? before : x.imm()) & (w == 64 ? 63 : 31);
        if (n == 0) {
            return (carryIn ? Flags.CF : 0) | (c.rflags() & Flags.OF); // unchanged, checked by the other flags
        }
        long mask = w == 64 ? -1L : (1L << w) - 1;
        long v = before & mask;
        boolean cf = carryIn;
        for (int k = 0; k < n; k++) {
            boolean top = (v >>> (w - 1) & 1) != 0;
            boolean bottom = (v & 1) != 0;
            switch (x.sub()) {
                case 0 -> { v = (v << 1 | (top ? 1 : 0)) & mask; cf = top; }
                case 1 -> { v = (v >>> 1 | (bottom ? 1L << (w - 1) : 0)) & mask; cf = bottom; }
                case 2 -> { v = (v << 1 | (cf ? 1 : 0)) & mask; cf = top; }
                default -> { v = (v >>> 1 | (cf ? 1L << (w - 1) : 0)) & mask; cf = bottom; }
            }
        }
        boolean msb = (v >>> (w - 1) & 1) != 0;
        boolean next = (v >>> (w - 2) & 1) != 0;
        boolean of = x.sub() == 0 || x.sub() == 2 ? msb ^ cf : msb ^ next;
        return (cf ? Flags.CF : 0) | (of ? Flags.OF : 0);
    }
}
