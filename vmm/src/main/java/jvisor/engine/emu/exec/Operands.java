package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;

/** Effective addresses and the register-or-memory operand of a decoded instruction. */
public final class Operands {
    private Operands() { }

    /** The effective address (offset within the segment) of the memory operand. */
    public static long ea(Cpu c, Insn i) {
        long a = i.disp;
        if (i.base >= 0) {
            a += c.reg(i.base);
        }
        if (i.index >= 0) {
            a += c.reg(i.index) << i.scale;
        }
        return a & i.addrMask;
    }

    /** The r/m operand at {@code size} bytes, zero-extended. */
    public static long readRm(Cpu c, Insn i, int size) {
        return i.rm >= 0 ? c.reg(i.rm, size) : c.read(i.seg, ea(c, i), size);
    }

    public static void writeRm(Cpu c, Insn i, int size, long v) {
        if (i.rm >= 0) {
            c.setReg(i.rm, size, v);
        } else {
            c.write(i.seg, ea(c, i), size, v);
        }
    }

    /** The linear address of the memory operand, checked for writing (read-modify-write forms). */
    public static long linearRmw(Cpu c, Insn i, int size) {
        return c.linearWrite(i.seg, ea(c, i), size);
    }

    /** Masks {@code v} to {@code size} bytes. */
    public static long mask(long v, int size) {
        return size == 8 ? v : v & ((1L << (size << 3)) - 1);
    }
}
