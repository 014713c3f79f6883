package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F64;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.fpu.FloatConvert;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SimdMath;
import jvisor.engine.emu.fpu.SoftFloat;

/**
 * SSE/SSE2 floating-point arithmetic, packed (PS, PD) and scalar (SS, SD): add, subtract,
 * multiply, divide, square root, min, max, compares (CMPccPS and COMISS/UCOMISS), the bitwise
 * logic on floating-point registers, and the RCP/RSQRT approximations. All lanes are computed
 * before any is written, so an unmasked exception (#XM) leaves the destination untouched.
 */
final class SseFloat {
    private SseFloat() { }

    private static final long LOW32 = 0xFFFF_FFFFL;

    static void register(OpcodeMaps m) {
        int[][] rows = {{0x58, SimdMath.ADD}, {0x59, SimdMath.MUL}, {0x5C, SimdMath.SUB}, {0x5D, SimdMath.MIN},
            {0x5E, SimdMath.DIV}, {0x5F, SimdMath.MAX}, {0x51, SimdMath.SQRT}};
        for (int[] r : rows) {
            m.put(TWO_BYTE, r[0], MODRM, Mandatory.pick(packed(F32, r[1]), packed(F64, r[1]), scalar(F32, r[1]),
                    scalar(F64, r[1])));
        }
        m.put(TWO_BYTE, 0xC2, MODRM | IMM8, Mandatory.pick(packedCompare(F32), packedCompare(F64),
                scalarCompare(F32), scalarCompare(F64)));
        m.put(TWO_BYTE, 0x2E, MODRM, Mandatory.pick(ordered(F32, false), ordered(F64, false), null, null));
        m.put(TWO_BYTE, 0x2F, MODRM, Mandatory.pick(ordered(F32, true), ordered(F64, true), null, null));
        Op and = SseInteger.xmm((a, b) -> a & b);
        Op andNot = SseInteger.xmm((a, b) -> ~a & b);
        Op or = SseInteger.xmm((a, b) -> a | b);
        Op xor = SseInteger.xmm((a, b) -> a ^ b);
        m.put(TWO_BYTE, 0x54, MODRM, Mandatory.pick(and, and, null, null));
        m.put(TWO_BYTE, 0x55, MODRM, Mandatory.pick(andNot, andNot, null, null));
        m.put(TWO_BYTE, 0x56, MODRM, Mandatory.pick(or, or, null, null));
        m.put(TWO_BYTE, 0x57, MODRM, Mandatory.pick(xor, xor, null, null));
        m.put(TWO_BYTE, 0x52, MODRM, Mandatory.pick(approximate(true, false), null, approximate(true, true), null));
        m.put(TWO_BYTE, 0x53, MODRM, Mandatory.pick(approximate(false, false), null, approximate(false, true), null));
    }

    /** One 64-bit half of a packed operation: one F64 lane or two F32 lanes. */
    private static long half(SoftFloat s, int fmt, int op, long a, long b) {
        if (fmt == F64) {
            return SimdMath.apply(s, F64, op, a, b);
        }
        long r0 = SimdMath.apply(s, F32, op, a & LOW32, b & LOW32);
        long r1 = SimdMath.apply(s, F32, op, a >>> 32, b >>> 32);
        return r0 | r1 << 32;
    }

    private static SoftFloat begin(Cpu c) {
        SoftFloat s = c.fpu.sf;
        s.useMxcsr(c.fpu.mxcsr);
        return s;
    }

    private static Op packed(int fmt, int op) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            int d = x.reg() << 1;
            long lo = half(s, fmt, op, f.xmm[d], f.srcLo);
            long hi = half(s, fmt, op, f.xmm[d | 1], f.srcHi);
            Sse.commit(c);
            f.xmm[d] = lo;
            f.xmm[d | 1] = hi;
        };
    }

    /** The scalar source: the low lane of an XMM register or a 32/64-bit memory operand. */
    static long scalarSource(Cpu c, Insn x, int fmt) {
        return fmt == F32 ? Sse.source32(c, x) : Sse.source64(c, x);
    }

    /** Replaces the low lane of {@code old} with {@code v}. */
    static long merge(int fmt, long old, long v) {
        return fmt == F32 ? (old & ~LOW32) | (v & LOW32) : v;
    }

    private static Op scalar(int fmt, int op) {
        return (c, x) -> {
            Sse.check(c);
            long b = scalarSource(c, x, fmt);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            int d = x.reg() << 1;
            long a = fmt == F32 ? f.xmm[d] & LOW32 : f.xmm[d];
            long r = SimdMath.apply(s, fmt, op, a, b);
            Sse.commit(c);
            f.xmm[d] = merge(fmt, f.xmm[d], r);
        };
    }

    private static long compareHalf(SoftFloat s, int fmt, int predicate, long a, long b) {
        if (fmt == F64) {
            return SimdMath.compare(s, F64, predicate, a, b);
        }
        return SimdMath.compare(s, F32, predicate, a & LOW32, b & LOW32)
                | SimdMath.compare(s, F32, predicate, a >>> 32, b >>> 32) << 32;
    }

    private static Op packedCompare(int fmt) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            int d = x.reg() << 1;
            int p = (int) x.imm() & 7;
            long lo = compareHalf(s, fmt, p, f.xmm[d], f.srcLo);
            long hi = compareHalf(s, fmt, p, f.xmm[d | 1], f.srcHi);
            Sse.commit(c);
            f.xmm[d] = lo;
            f.xmm[d | 1] = hi;
        };
    }

    private static Op scalarCompare(int fmt) {
        return (c, x) -> {
            Sse.check(c);
            long b = scalarSource(c, x, fmt);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            int d = x.reg() << 1;
            long a = fmt == F32 ? f.xmm[d] & LOW32 : f.xmm[d];
            long r = SimdMath.compare(s, fmt, (int) x.imm() & 7, a, b);
            Sse.commit(c);
            f.xmm[d] = merge(fmt, f.xmm[d], r);
        };
    }

    /** COMISS/COMISD ({@code signaling}) and UCOMISS/UCOMISD: ZF, PF, CF from the comparison; OF, SF, AF cleared. */
    private static Op ordered(int fmt, boolean signaling) {
        return (c, x) -> {
            Sse.check(c);
            long b = scalarSource(c, x, fmt);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            long a = fmt == F32 ? f.xmm[x.reg() << 1] & LOW32 : f.xmm[x.reg() << 1];
            s.loadA(fmt, a);
            s.loadB(fmt, b);
            int order = FloatConvert.compare(s, signaling);
            Sse.commit(c);
            long bits = switch (order) {
                case FloatConvert.LESS -> Flags.CF;
                case FloatConvert.EQUAL -> Flags.ZF;
                case FloatConvert.GREATER -> 0;
                default -> Flags.ZF | Flags.PF | Flags.CF;
            };
            c.flags.setBits(bits);
        };
    }

    /** RCPPS/RCPSS and RSQRTPS/RSQRTSS: approximations, no exceptions, MXCSR untouched. */
    private static Op approximate(boolean sqrt, boolean scalar) {
        return (c, x) -> {
            Sse.check(c);
            FpuState f = c.fpu;
            int d = x.reg() << 1;
            if (scalar) {
                long v = Sse.source32(c, x);
                f.xmm[d] = merge(F32, f.xmm[d], SimdMath.reciprocal((int) v, sqrt) & LOW32);
                return;
            }
            Sse.source(c, x, true);
            f.xmm[d] = approximateHalf(f.srcLo, sqrt);
            f.xmm[d | 1] = approximateHalf(f.srcHi, sqrt);
        };
    }

    private static long approximateHalf(long v, boolean sqrt) {
        return (SimdMath.reciprocal((int) v, sqrt) & LOW32) | (long) SimdMath.reciprocal((int) (v >>> 32), sqrt) << 32;
    }
}
