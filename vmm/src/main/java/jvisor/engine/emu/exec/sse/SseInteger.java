package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.exec.sse.IntLanes.H16;
import static jvisor.engine.emu.exec.sse.IntLanes.H32;
import static jvisor.engine.emu.exec.sse.IntLanes.H8;

import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.fpu.FpuState;

/**
 * The packed-integer instructions of MMX (no prefix, MM registers) and SSE2 (66 prefix, XMM
 * registers): arithmetic, compares, logic, packs and unpacks, shifts by a register count.
 * Vertical operations are one {@link LaneOp} applied to each 64-bit half.
 */
final class SseInteger {
    private SseInteger() { }

    static void register(OpcodeMaps m) {
        vertical(m, 0xFC, (a, b) -> IntLanes.add(a, b, H8));
        vertical(m, 0xFD, (a, b) -> IntLanes.add(a, b, H16));
        vertical(m, 0xFE, (a, b) -> IntLanes.add(a, b, H32));
        vertical(m, 0xD4, (a, b) -> a + b);
        vertical(m, 0xF8, (a, b) -> IntLanes.sub(a, b, H8));
        vertical(m, 0xF9, (a, b) -> IntLanes.sub(a, b, H16));
        vertical(m, 0xFA, (a, b) -> IntLanes.sub(a, b, H32));
        vertical(m, 0xFB, (a, b) -> a - b);
        vertical(m, 0xEC, (a, b) -> IntLanes.saturating(a, b, 8, true, false));
        vertical(m, 0xED, (a, b) -> IntLanes.saturating(a, b, 16, true, false));
        vertical(m, 0xDC, (a, b) -> IntLanes.saturating(a, b, 8, false, false));
        vertical(m, 0xDD, (a, b) -> IntLanes.saturating(a, b, 16, false, false));
        vertical(m, 0xE8, (a, b) -> IntLanes.saturating(a, b, 8, true, true));
        vertical(m, 0xE9, (a, b) -> IntLanes.saturating(a, b, 16, true, true));
        vertical(m, 0xD8, (a, b) -> IntLanes.saturating(a, b, 8, false, true));
        vertical(m, 0xD9, (a, b) -> IntLanes.saturating(a, b, 16, false, true));
        vertical(m, 0x74, (a, b) -> IntLanes.equal(a, b, H8, 0xFF));
        vertical(m, 0x75, (a, b) -> IntLanes.equal(a, b, H16, 0xFFFF));
        vertical(m, 0x76, (a, b) -> IntLanes.equal(a, b, H32, 0xFFFF_FFFFL));
        vertical(m, 0x64, (a, b) -> IntLanes.greater(a, b, 8));
        vertical(m, 0x65, (a, b) -> IntLanes.greater(a, b, 16));
        vertical(m, 0x66, (a, b) -> IntLanes.greater(a, b, 32));
        vertical(m, 0xD5, (a, b) -> IntLanes.multiplyWords(a, b, false, false));
        vertical(m, 0xE5, (a, b) -> IntLanes.multiplyWords(a, b, true, true));
        vertical(m, 0xE4, (a, b) -> IntLanes.multiplyWords(a, b, true, false));
        vertical(m, 0xF4, IntLanes::pmuludq);
        vertical(m, 0xF5, IntLanes::pmaddwd);
        vertical(m, 0xF6, IntLanes::psadbw);
        vertical(m, 0xE0, (a, b) -> IntLanes.average(a, b, H8));
        vertical(m, 0xE3, (a, b) -> IntLanes.average(a, b, H16));
        vertical(m, 0xDA, (a, b) -> IntLanes.minMax(a, b, 8, false, false));
        vertical(m, 0xDE, (a, b) -> IntLanes.minMax(a, b, 8, false, true));
        vertical(m, 0xEA, (a, b) -> IntLanes.minMax(a, b, 16, true, false));
        vertical(m, 0xEE, (a, b) -> IntLanes.minMax(a, b, 16, true, true));
        vertical(m, 0xDB, (a, b) -> a & b);
        vertical(m, 0xDF, (a, b) -> ~a & b);
        vertical(m, 0xEB, (a, b) -> a | b);
        vertical(m, 0xEF, (a, b) -> a ^ b);
        packs(m);
        unpacks(m);
        shifts(m);
    }

    /** A row whose MMX and SSE2 forms apply {@code f} lane group by lane group. */
    private static void vertical(OpcodeMaps m, int opcode, LaneOp f) {
        m.put(TWO_BYTE, opcode, MODRM, Mandatory.pick(Mmx.lanes(f), xmm(f), null, null));
    }

    static Op xmm(LaneOp f) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState s = c.fpu;
            int d = x.reg() << 1;
            s.xmm[d] = f.apply(s.xmm[d], s.srcLo);
            s.xmm[d | 1] = f.apply(s.xmm[d | 1], s.srcHi);
        };
    }

    /** An SSE2 form that combines the halves: {@code op(xmm, dstLo, dstHi, srcLo, srcHi)}. */
    @FunctionalInterface
    interface QuadOp {
        void apply(long[] xmm, int d, long dLo, long dHi, long sLo, long sHi);
    }

    static Op quad(QuadOp f) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState s = c.fpu;
            int d = x.reg() << 1;
            f.apply(s.xmm, d, s.xmm[d], s.xmm[d | 1], s.srcLo, s.srcHi);
        };
    }

    private static void packs(OpcodeMaps m) {
        int[][] forms = {{0x63, 16, 1}, {0x67, 16, 0}, {0x6B, 32, 1}};
        for (int[] f : forms) {
            int bits = f[1];
            boolean signed = f[2] != 0;
            LaneOp mmx = (a, b) -> IntLanes.pack(a, b, bits, signed);
            QuadOp xmm = (r, d, dl, dh, sl, sh) -> {
                r[d] = IntLanes.pack(dl, dh, bits, signed);
                r[d | 1] = IntLanes.pack(sl, sh, bits, signed);
            };
            m.put(TWO_BYTE, f[0], MODRM, Mandatory.pick(Mmx.lanes(mmx), quad(xmm), null, null));
        }
    }

    private static void unpacks(OpcodeMaps m) {
        int[] bits = {8, 16, 32};
        for (int k = 0; k < 3; k++) {
            int b = bits[k];
            LaneOp lowMmx = (x, y) -> IntLanes.interleave(x, y, b);
            LaneOp highMmx = (x, y) -> IntLanes.interleave(x >>> 32, y >>> 32, b);
            QuadOp low = (r, d, dl, dh, sl, sh) -> {
                r[d] = IntLanes.interleave(dl, sl, b);
                r[d | 1] = IntLanes.interleave(dl >>> 32, sl >>> 32, b);
            };
            QuadOp high = (r, d, dl, dh, sl, sh) -> {
                r[d] = IntLanes.interleave(dh, sh, b);
                r[d | 1] = IntLanes.interleave(dh >>> 32, sh >>> 32, b);
            };
            m.put(TWO_BYTE, 0x60 + k, MODRM, Mandatory.pick(Mmx.lowLanes(lowMmx), quad(low), null, null));
            m.put(TWO_BYTE, 0x68 + k, MODRM, Mandatory.pick(Mmx.lanes(highMmx), quad(high), null, null));
        }
        QuadOp lowQuad = (r, d, dl, dh, sl, sh) -> r[d | 1] = sl;
        QuadOp highQuad = (r, d, dl, dh, sl, sh) -> {
            r[d] = dh;
            r[d | 1] = sh;
        };
        m.put(TWO_BYTE, 0x6C, MODRM, Mandatory.pick(null, quad(lowQuad), null, null));
        m.put(TWO_BYTE, 0x6D, MODRM, Mandatory.pick(null, quad(highQuad), null, null));
    }

    /** PSRL/PSRA/PSLL by the count in an MM/XMM register or memory (the low 64 bits). */
    private static void shifts(OpcodeMaps m) {
        int[][] forms = {{0xD1, 16, IntLanes.SRL}, {0xD2, 32, IntLanes.SRL}, {0xD3, 64, IntLanes.SRL},
            {0xE1, 16, IntLanes.SRA}, {0xE2, 32, IntLanes.SRA},
            {0xF1, 16, IntLanes.SLL}, {0xF2, 32, IntLanes.SLL}, {0xF3, 64, IntLanes.SLL}};
        for (int[] f : forms) {
            int bits = f[1];
            int kind = f[2];
            LaneOp mmx = (v, count) -> IntLanes.shift(v, count, bits, kind);
            QuadOp xmm = (r, d, dl, dh, sl, sh) -> {
                r[d] = IntLanes.shift(dl, sl, bits, kind);
                r[d | 1] = IntLanes.shift(dh, sl, bits, kind);
            };
            m.put(TWO_BYTE, f[0], MODRM, Mandatory.pick(Mmx.lanes(mmx), quad(xmm), null, null));
        }
    }
}
