package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.exec.x87.X87Gate;
import jvisor.engine.emu.fpu.FpuState;

/**
 * MOVD/MOVQ between general registers or memory and MMX/XMM registers, the 64-bit MOVQ forms,
 * MOVQ2DQ/MOVDQ2Q, MASKMOVQ and EMMS.
 */
final class SseTransfers {
    private SseTransfers() { }

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0x6E, MODRM, Mandatory.pick(MOVD_TO_MMX, MOVD_TO_XMM, null, null));
        m.put(TWO_BYTE, 0x7E, MODRM, Mandatory.pick(MOVD_FROM_MMX, MOVD_FROM_XMM, MOVQ_LOAD, null));
        m.put(TWO_BYTE, 0xD6, MODRM, Mandatory.pickBuilt(null, i -> MOVQ_STORE, i -> i.rm < 0 ? null : MOVQ2DQ,
                i -> i.rm < 0 ? null : MOVDQ2Q));
        m.put(TWO_BYTE, 0x77, 0, Mandatory.pick(Mmx.EMMS, null, null, null));
    }

    /** The general-register operand size of MOVD/MOVQ: 8 with REX.W, else 4. */
    private static int size(Insn x) {
        return x.hasPrefix(Insn.P_REXW) ? 8 : 4;
    }

    private static final Op MOVD_TO_MMX = (c, x) -> {
        X87Gate.mmx(c);
        long v = Operands.readRm(c, x, size(x));
        Mmx.write(c, x.reg(), v);
    };

    private static final Op MOVD_TO_XMM = (c, x) -> {
        Sse.check(c);
        long v = Operands.readRm(c, x, size(x));
        c.fpu.xmm[x.reg() << 1] = v;
        c.fpu.xmm[(x.reg() << 1) | 1] = 0;
    };

    private static final Op MOVD_FROM_MMX = (c, x) -> {
        X87Gate.mmx(c);
        Operands.writeRm(c, x, size(x), Mmx.reg(c, x));
        c.fpu.enterMmx();
    };

    private static final Op MOVD_FROM_XMM = (c, x) -> {
        Sse.check(c);
        Operands.writeRm(c, x, size(x), c.fpu.xmm[x.reg() << 1]);
    };

    /** MOVQ xmm, xmm/m64 (F3 0F 7E): the upper half is cleared. */
    private static final Op MOVQ_LOAD = (c, x) -> {
        Sse.check(c);
        long v = Sse.source64(c, x);
        c.fpu.xmm[x.reg() << 1] = v;
        c.fpu.xmm[(x.reg() << 1) | 1] = 0;
    };

    /** MOVQ xmm/m64, xmm (66 0F D6): a register destination has its upper half cleared. */
    private static final Op MOVQ_STORE = (c, x) -> {
        Sse.check(c);
        long v = c.fpu.xmm[x.reg() << 1];
        if (x.rm() >= 0) {
            c.fpu.xmm[x.rm() << 1] = v;
            c.fpu.xmm[(x.rm() << 1) | 1] = 0;
        } else {
            c.write64(x.seg(), Operands.ea(c, x), v);
        }
    };

    /** MOVQ mm, mm/m64. */
    static final Op MOVQ_MMX_LOAD = (c, x) -> {
        X87Gate.mmx(c);
        Mmx.write(c, x.reg(), Mmx.source(c, x));
    };

    /** MOVQ mm/m64, mm (and MOVNTQ m64, mm). */
    static final Op MOVQ_MMX_STORE = (c, x) -> {
        X87Gate.mmx(c);
        long v = Mmx.reg(c, x);
        if (x.rm() >= 0) {
            Mmx.write(c, x.rm(), v);
        } else {
            c.write64(x.seg(), Operands.ea(c, x), v);
            c.fpu.enterMmx();
        }
    };

    private static final Op MOVQ2DQ = (c, x) -> {
        Sse.check(c);
        X87Gate.mmx(c);
        FpuState f = c.fpu;
        f.xmm[x.reg() << 1] = f.sig[x.rm() & 7];
        f.xmm[(x.reg() << 1) | 1] = 0;
        f.enterMmx();
    };

    private static final Op MOVDQ2Q = (c, x) -> {
        Sse.check(c);
        X87Gate.mmx(c);
        Mmx.write(c, x.reg(), c.fpu.xmm[x.rm() << 1]);
    };

    static final Op MASKMOVQ = (c, x) -> {
        X87Gate.mmx(c);
        SseMoves.maskedStore(c, x, Mmx.reg(c, x), c.fpu.sig[x.rm() & 7], 0);
        c.fpu.enterMmx();
    };
}
