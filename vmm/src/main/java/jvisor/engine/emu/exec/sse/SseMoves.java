package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.fpu.FpuState;

/**
 * Moves between XMM registers and memory: whole registers (aligned and unaligned, non-temporal),
 * scalars, halves (MOVLPS/MOVHPS and their register forms MOVHLPS/MOVLHPS), sign masks and
 * MASKMOVDQU. Moves between XMM and general or MMX registers are in {@link SseTransfers}.
 */
final class SseMoves {
    private SseMoves() { }

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0x10, MODRM, Mandatory.pick(load(false), load(false), MOVSS_LOAD, MOVSD_LOAD));
        m.put(TWO_BYTE, 0x11, MODRM, Mandatory.pick(store(false), store(false), MOVSS_STORE, MOVSD_STORE));
        m.put(TWO_BYTE, 0x28, MODRM, Mandatory.pick(load(true), load(true), null, null));
        m.put(TWO_BYTE, 0x29, MODRM, Mandatory.pick(store(true), store(true), null, null));
        m.put(TWO_BYTE, 0x6F, MODRM, Mandatory.pickBuilt(i -> SseTransfers.MOVQ_MMX_LOAD, i -> load(true),
                i -> load(false), null));
        m.put(TWO_BYTE, 0x7F, MODRM, Mandatory.pickBuilt(i -> SseTransfers.MOVQ_MMX_STORE, i -> store(true),
                i -> store(false), null));
        Op streamXmm = store(true);
        m.put(TWO_BYTE, 0x2B, MODRM, i -> i.rm >= 0 ? null : Mandatory.pick(streamXmm, streamXmm, null, null).build(i));
        m.put(TWO_BYTE, 0xE7, MODRM, i -> i.rm >= 0 ? null
                : Mandatory.pick(SseTransfers.MOVQ_MMX_STORE, streamXmm, null, null).build(i));
        m.put(TWO_BYTE, 0x12, MODRM, Mandatory.pickBuilt(i -> i.rm >= 0 ? MOVHLPS : LOAD_LOW,
                i -> i.rm >= 0 ? null : LOAD_LOW, null, null));
        m.put(TWO_BYTE, 0x16, MODRM, Mandatory.pickBuilt(i -> i.rm >= 0 ? MOVLHPS : LOAD_HIGH,
                i -> i.rm >= 0 ? null : LOAD_HIGH, null, null));
        m.put(TWO_BYTE, 0x13, MODRM, i -> i.rm >= 0 ? null : Mandatory.pick(STORE_LOW, STORE_LOW, null, null).build(i));
        m.put(TWO_BYTE, 0x17, MODRM, i -> i.rm >= 0 ? null
                : Mandatory.pick(STORE_HIGH, STORE_HIGH, null, null).build(i));
        m.put(TWO_BYTE, 0x50, MODRM, i -> i.rm < 0 ? null : Mandatory.pick(MOVMSKPS, MOVMSKPD, null, null).build(i));
        m.put(TWO_BYTE, 0xC3, MODRM, i -> i.rm >= 0 || Mandatory.of(i) != Mandatory.NONE ? null : MOVNTI);
        m.put(TWO_BYTE, 0xF7, MODRM, i -> i.rm < 0 ? null
                : Mandatory.pick(SseTransfers.MASKMOVQ, MASKMOVDQU, null, null).build(i));
    }

    /** MOVUPS/MOVAPS/MOVDQA/MOVDQU... into a register. */
    static Op load(boolean aligned) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, aligned);
            FpuState f = c.fpu;
            f.xmm[x.reg() << 1] = f.srcLo;
            f.xmm[(x.reg() << 1) | 1] = f.srcHi;
        };
    }

    /** The store direction: r/m is the destination. */
    static Op store(boolean aligned) {
        return (c, x) -> {
            Sse.check(c);
            FpuState f = c.fpu;
            long lo = f.xmm[x.reg() << 1];
            long hi = f.xmm[(x.reg() << 1) | 1];
            if (x.rm() >= 0) {
                f.xmm[x.rm() << 1] = lo;
                f.xmm[(x.rm() << 1) | 1] = hi;
            } else {
                Sse.store(c, x, lo, hi, aligned);
            }
        };
    }

    private static final Op MOVSS_LOAD = (c, x) -> {
        Sse.check(c);
        FpuState f = c.fpu;
        int d = x.reg() << 1;
        if (x.rm() >= 0) {
            f.xmm[d] = (f.xmm[d] & ~0xFFFF_FFFFL) | (f.xmm[x.rm() << 1] & 0xFFFF_FFFFL);
        } else {
            f.xmm[d] = c.read32(x.seg(), Operands.ea(c, x)) & 0xFFFF_FFFFL;
            f.xmm[d | 1] = 0;
        }
    };

    private static final Op MOVSD_LOAD = (c, x) -> {
        Sse.check(c);
        FpuState f = c.fpu;
        int d = x.reg() << 1;
        if (x.rm() >= 0) {
            f.xmm[d] = f.xmm[x.rm() << 1];
        } else {
            f.xmm[d] = c.read64(x.seg(), Operands.ea(c, x));
            f.xmm[d | 1] = 0;
        }
    };

    private static final Op MOVSS_STORE = (c, x) -> {
        Sse.check(c);
        FpuState f = c.fpu;
        long v = f.xmm[x.reg() << 1] & 0xFFFF_FFFFL;
        if (x.rm() >= 0) {
            int d = x.rm() << 1;
            f.xmm[d] = (f.xmm[d] & ~0xFFFF_FFFFL) | v;
        } else {
            c.write32(x.seg(), Operands.ea(c, x), (int) v);
        }
    };

    private static final Op MOVSD_STORE = (c, x) -> {
        Sse.check(c);
        FpuState f = c.fpu;
        long v = f.xmm[x.reg() << 1];
        if (x.rm() >= 0) {
            f.xmm[x.rm() << 1] = v;
        } else {
            c.write64(x.seg(), Operands.ea(c, x), v);
        }
    };

    /** MOVLPS/MOVLPD xmm, m64. */
    private static final Op LOAD_LOW = (c, x) -> {
        Sse.check(c);
        c.fpu.xmm[x.reg() << 1] = c.read64(x.seg(), Operands.ea(c, x));
    };

    /** MOVHPS/MOVHPD xmm, m64. */
    private static final Op LOAD_HIGH = (c, x) -> {
        Sse.check(c);
        c.fpu.xmm[(x.reg() << 1) | 1] = c.read64(x.seg(), Operands.ea(c, x));
    };

    private static final Op MOVHLPS = (c, x) -> {
        Sse.check(c);
        c.fpu.xmm[x.reg() << 1] = c.fpu.xmm[(x.rm() << 1) | 1];
    };

    private static final Op MOVLHPS = (c, x) -> {
        Sse.check(c);
        c.fpu.xmm[(x.reg() << 1) | 1] = c.fpu.xmm[x.rm() << 1];
    };

    private static final Op STORE_LOW = (c, x) -> {
        Sse.check(c);
        c.write64(x.seg(), Operands.ea(c, x), c.fpu.xmm[x.reg() << 1]);
    };

    private static final Op STORE_HIGH = (c, x) -> {
        Sse.check(c);
        c.write64(x.seg(), Operands.ea(c, x), c.fpu.xmm[(x.reg() << 1) | 1]);
    };

    private static final Op MOVMSKPS = (c, x) -> {
        Sse.check(c);
        long lo = c.fpu.xmm[x.rm() << 1];
        long hi = c.fpu.xmm[(x.rm() << 1) | 1];
        long mask = (lo >>> 31 & 1) | (lo >>> 62 & 2) | (hi >>> 29 & 4) | (hi >>> 60 & 8);
        c.setReg(x.reg(), 4, mask);
    };

    private static final Op MOVMSKPD = (c, x) -> {
        Sse.check(c);
        long mask = (c.fpu.xmm[x.rm() << 1] >>> 63) | (c.fpu.xmm[(x.rm() << 1) | 1] >>> 63) << 1;
        c.setReg(x.reg(), 4, mask);
    };

    /** MOVNTI m32/m64, r: a plain store (there is no cache to bypass); it touches no SSE state, so no CR checks. */
    private static final Op MOVNTI = (c, x) -> {
        int size = x.hasPrefix(Insn.P_REXW) ? 8 : 4;
        c.write(x.seg(), Operands.ea(c, x), size, c.reg(x.reg(), size));
    };

    private static final Op MASKMOVDQU = (c, x) -> {
        Sse.check(c);
        FpuState f = c.fpu;
        maskedStore(c, x, f.xmm[x.reg() << 1], f.xmm[x.rm() << 1], 0);
        maskedStore(c, x, f.xmm[(x.reg() << 1) | 1], f.xmm[(x.rm() << 1) | 1], 8);
    };

    /** Stores the bytes of {@code data} whose {@code mask} byte has its top bit set, at DS:rDI + offset. */
    static void maskedStore(Cpu c, Insn x, long data, long mask, int offset) {
        if ((mask & IntLanes.H8) == 0) {
            return;
        }
        long ea = (c.reg(Cpu.RDI) + offset) & x.addrMask();
        long lin = c.linearWrite(x.seg(), ea, 8);
        c.mmu.probeWrite(lin, 8, c.cpl() == 3);
        for (int b = 0; b < 8; b++) {
            if (((mask >>> (8 * b + 7)) & 1) != 0) {
                c.write8(x.seg(), (ea + b) & x.addrMask(), (int) (data >>> (8 * b)));
            }
        }
    }
}
