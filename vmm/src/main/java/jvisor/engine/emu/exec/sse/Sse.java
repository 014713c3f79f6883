package jvisor.engine.emu.exec.sse;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SoftFloat;

/**
 * What every SSE instruction shares: the CR0/CR4 checks, reading the XMM or memory source
 * (with the 16-byte alignment legacy SSE demands of most 128-bit memory operands), storing
 * 128 bits, and committing MXCSR flags or raising #XM.
 */
final class Sse {
    private Sse() { }

    static final long CR4_OSFXSR = 1L << 9;
    static final long CR4_OSXMMEXCPT = 1L << 10;

    /** #UD if CR0.EM is set or CR4.OSFXSR clear; #NM if CR0.TS is set. */
    static void check(Cpu c) {
        if ((c.cr0() & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0 || (c.cr4() & CR4_OSFXSR) == 0) {
            denied(c);
        }
    }

    private static void denied(Cpu c) {
        if ((c.cr0() & Cpu.CR0_EM) != 0 || (c.cr4() & CR4_OSFXSR) == 0) {
            throw c.fault(Vectors.UD);
        }
        throw c.fault(Vectors.NM);
    }

    /** The effective address of the memory operand, checked for 16-byte alignment (#GP(0)). */
    static long alignedLinear(Cpu c, Insn x, boolean write) {
        long ea = Operands.ea(c, x);
        long lin = write ? c.linearWrite(x.seg(), ea, 16) : c.linearRead(x.seg(), ea, 16);
        if ((lin & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return lin;
    }

    private static long next8(Insn x, long lin) {
        return x.mode64() ? lin + 8 : (lin + 8) & 0xFFFF_FFFFL;
    }

    /** Reads the 128-bit source operand (XMM r/m or memory) into {@code srcLo/srcHi}. */
    static void source(Cpu c, Insn x, boolean aligned) {
        FpuState f = c.fpu;
        if (x.rm() >= 0) {
            f.srcLo = f.xmm[x.rm() << 1];
            f.srcHi = f.xmm[(x.rm() << 1) | 1];
            return;
        }
        long lin;
        if (aligned) {
            lin = alignedLinear(c, x, false);
        } else {
            lin = c.linearRead(x.seg(), Operands.ea(c, x), 16);
        }
        f.srcLo = c.mmu.read64(lin);
        f.srcHi = c.mmu.read64(next8(x, lin));
    }

    /** The low 64 bits of the source: an XMM register or a 64-bit memory operand. */
    static long source64(Cpu c, Insn x) {
        return x.rm() >= 0 ? c.fpu.xmm[x.rm() << 1] : c.read64(x.seg(), Operands.ea(c, x));
    }

    /** The low 32 bits of the source: an XMM register or a 32-bit memory operand. */
    static long source32(Cpu c, Insn x) {
        return x.rm() >= 0 ? c.fpu.xmm[x.rm() << 1] & 0xFFFF_FFFFL : c.read32(x.seg(), Operands.ea(c, x)) & 0xFFFF_FFFFL;
    }

    /** Stores 128 bits at the memory operand; both halves are checked before either is written. */
    static void store(Cpu c, Insn x, long lo, long hi, boolean aligned) {
        long lin;
        if (aligned) {
            lin = alignedLinear(c, x, true);
        } else {
            lin = c.linearWrite(x.seg(), Operands.ea(c, x), 16);
            c.mmu.probeWrite(lin, 16, c.cpl() == 3);
        }
        c.mmu.write64(lin, lo);
        c.mmu.write64(next8(x, lin), hi);
    }

    /**
     * Ends the floating-point part of an instruction: unmasked exceptions raise #XM (#UD when
     * CR4.OSXMMEXCPT is clear) before anything is written; otherwise the flags go into MXCSR.
     */
    static void commit(Cpu c) {
        FpuState f = c.fpu;
        int flags = f.sf.flags;
        int unmasked = flags & ~(f.mxcsr >>> 7) & SoftFloat.ALL;
        if (unmasked != 0) {
            int precomputation = SoftFloat.IE | SoftFloat.DE | SoftFloat.ZE;
            f.mxcsr |= (unmasked & precomputation) != 0 ? flags & precomputation : flags;
            throw c.fault((c.cr4() & CR4_OSXMMEXCPT) != 0 ? Vectors.XM : Vectors.UD);
        }
        f.mxcsr |= flags;
    }
}
