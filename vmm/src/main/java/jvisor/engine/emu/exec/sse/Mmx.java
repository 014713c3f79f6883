package jvisor.engine.emu.exec.sse;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.exec.x87.X87Gate;
import jvisor.engine.emu.fpu.FpuState;

/**
 * The MMX registers: MM0-7 are the significands of the x87 physical registers. Every MMX
 * instruction (but EMMS) switches the x87 unit to MMX use: TOP = 0, all registers in use; a
 * write also sets the register's exponent field to all ones.
 */
final class Mmx {
    private Mmx() { }

    /** The 64-bit source: MM r/m or a 64-bit memory operand. */
    static long source(Cpu c, Insn x) {
        return x.rm() >= 0 ? c.fpu.sig[x.rm() & 7] : c.read64(x.seg(), Operands.ea(c, x));
    }

    static long reg(Cpu c, Insn x) {
        return c.fpu.sig[x.reg() & 7];
    }

    /** Writes MM{@code n} and enters MMX use. */
    static void write(Cpu c, int n, long v) {
        FpuState f = c.fpu;
        f.enterMmx();
        f.setMmx(n & 7, v);
    }

    /** {@code mm = op(mm, mm/m64)}. */
    static Op lanes(LaneOp f) {
        return (c, x) -> {
            X87Gate.mmx(c);
            long src = source(c, x);
            write(c, x.reg(), f.apply(reg(c, x), src));
        };
    }

    /** {@code mm = op(mm, mm/m32)}: the MMX PUNPCKL* forms read only 32 bits of memory. */
    static Op lowLanes(LaneOp f) {
        return (c, x) -> {
            X87Gate.mmx(c);
            long src = x.rm() >= 0 ? c.fpu.sig[x.rm() & 7] : c.read32(x.seg(), Operands.ea(c, x)) & 0xFFFF_FFFFL;
            write(c, x.reg(), f.apply(reg(c, x), src));
        };
    }

    /** EMMS: every x87 register empty again (TOP becomes 0, as after any MMX instruction). */
    static final Op EMMS = (c, x) -> {
        X87Gate.mmx(c);
        c.fpu.enterMmx();
        c.fpu.empty = 0xFF;
    };
}
