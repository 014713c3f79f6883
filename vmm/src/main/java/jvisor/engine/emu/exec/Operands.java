package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;

/** Effective addresses and the register-or-memory operand of a decoded instruction. */
public final class Operands {
    private Operands() { }

    /** The effective address (offset within the segment) of the memory operand. */
    public static long ea(Cpu c, Insn x) {
        long a = x.disp();
        if (x.base() >= 0) {
            a += c.reg(x.base());
        }
        if (x.index() >= 0) {
            a += c.reg(x.index()) << x.scale();
        }
        return a & x.addrMask();
    }

    /** The r/m operand at {@code size} bytes, zero-extended. */
    public static long readRm(Cpu c, Insn x, int size) {
        return x.rm() >= 0 ? c.reg(x.rm(), size) : c.read(x.seg(), ea(c, x), size);
    }

    public static void writeRm(Cpu c, Insn x, int size, long v) {
        if (x.rm() >= 0) {
            c.setReg(x.rm(), size, v);
        } else {
            c.write(x.seg(), ea(c, x), size, v);
        }
    }

    /** The linear address of the memory operand, checked for writing (read-modify-write forms). */
    public static long linearRmw(Cpu c, Insn x, int size) {
        return c.linearWrite(x.seg(), ea(c, x), size);
    }

    /** Masks {@code v} to {@code size} bytes. */
    public static long mask(long v, int size) {
        return size == 8 ? v : v & ((1L << (size << 3)) - 1);
    }
}
