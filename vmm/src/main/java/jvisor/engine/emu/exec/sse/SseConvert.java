package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F64;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.exec.x87.X87Gate;
import jvisor.engine.emu.fpu.FpuState;
import jvisor.engine.emu.fpu.SimdMath;
import jvisor.engine.emu.fpu.SoftFloat;

/**
 * The CVT family: between single and double, between floating point and 32/64-bit integers in
 * general registers, XMM doubleword lanes and MMX registers, rounding by MXCSR or truncating
 * (CVTT*). A conversion to an integer that cannot be represented gives the integer indefinite.
 */
final class SseConvert {
    private SseConvert() { }

    private static final long LOW32 = 0xFFFF_FFFFL;

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0x2A, MODRM, Mandatory.pick(CVTPI2PS, CVTPI2PD, intToScalar(F32), intToScalar(F64)));
        m.put(TWO_BYTE, 0x2C, MODRM, Mandatory.pick(toMmx(F32, true), toMmx(F64, true), scalarToInt(F32, true),
                scalarToInt(F64, true)));
        m.put(TWO_BYTE, 0x2D, MODRM, Mandatory.pick(toMmx(F32, false), toMmx(F64, false), scalarToInt(F32, false),
                scalarToInt(F64, false)));
        m.put(TWO_BYTE, 0x5A, MODRM, Mandatory.pick(CVTPS2PD, CVTPD2PS, scalarFormat(F32, F64), scalarFormat(F64, F32)));
        m.put(TWO_BYTE, 0x5B, MODRM, Mandatory.pick(CVTDQ2PS, singlesToInts(false), singlesToInts(true), null));
        m.put(TWO_BYTE, 0xE6, MODRM, Mandatory.pick(null, doublesToInts(true), CVTDQ2PD, doublesToInts(false)));
    }

    private static SoftFloat begin(Cpu c) {
        SoftFloat s = c.fpu.sf;
        s.useMxcsr(c.fpu.mxcsr);
        return s;
    }

    private static int intSize(Insn x) {
        return x.hasPrefix(Insn.P_REXW) ? 8 : 4;
    }

    /** CVTSI2SS/CVTSI2SD xmm, r/m32 or r/m64. */
    private static Op intToScalar(int fmt) {
        return (c, x) -> {
            Sse.check(c);
            int size = intSize(x);
            long v = Operands.readRm(c, x, size);
            if (size == 4) {
                v = (int) v;
            }
            SoftFloat s = begin(c);
            long r = SimdMath.fromInt(s, fmt, v);
            Sse.commit(c);
            int d = x.reg() << 1;
            c.fpu.xmm[d] = SseFloat.merge(fmt, c.fpu.xmm[d], r);
        };
    }

    /** CVT(T)SS2SI/CVT(T)SD2SI r32/r64, xmm/m. */
    private static Op scalarToInt(int fmt, boolean truncate) {
        return (c, x) -> {
            Sse.check(c);
            long v = SseFloat.scalarSource(c, x, fmt);
            int size = intSize(x);
            SoftFloat s = begin(c);
            long r = SimdMath.toInt(s, fmt, v, size * 8, truncate);
            Sse.commit(c);
            c.setReg(x.reg(), size, r);
        };
    }

    /** Two 32-bit integers (low and high half of {@code v}) to two floats in one quadword. */
    private static long intsToSingles(SoftFloat s, long v) {
        return SimdMath.fromInt(s, F32, (int) v) | SimdMath.fromInt(s, F32, (int) (v >>> 32)) << 32;
    }

    private static final Op CVTPI2PS = (c, x) -> {
        Sse.check(c);
        long v;
        if (x.rm() >= 0) {
            X87Gate.mmx(c);
            v = c.fpu.sig[x.rm() & 7];
            c.fpu.enterMmx();
        } else {
            v = c.read64(x.seg(), Operands.ea(c, x));
        }
        SoftFloat s = begin(c);
        long r = intsToSingles(s, v);
        Sse.commit(c);
        c.fpu.xmm[x.reg() << 1] = r;
    };

    private static final Op CVTPI2PD = (c, x) -> {
        Sse.check(c);
        long v;
        if (x.rm() >= 0) {
            X87Gate.mmx(c);
            v = c.fpu.sig[x.rm() & 7];
            c.fpu.enterMmx();
        } else {
            v = c.read64(x.seg(), Operands.ea(c, x));
        }
        SoftFloat s = begin(c);
        c.fpu.xmm[x.reg() << 1] = SimdMath.fromInt(s, F64, (int) v);
        c.fpu.xmm[(x.reg() << 1) | 1] = SimdMath.fromInt(s, F64, (int) (v >>> 32));
    };

    /** Two 32-bit integers from the floats of one quadword (F32) or from two doubles. */
    private static long singlesToIntPair(SoftFloat s, long v, boolean truncate) {
        long lo = SimdMath.toInt(s, F32, v & LOW32, 32, truncate);
        long hi = SimdMath.toInt(s, F32, v >>> 32, 32, truncate);
        return lo | hi << 32;
    }

    private static long doublesToIntPair(SoftFloat s, long a, long b, boolean truncate) {
        return SimdMath.toInt(s, F64, a, 32, truncate) | SimdMath.toInt(s, F64, b, 32, truncate) << 32;
    }

    /** CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128. */
    private static Op toMmx(int fmt, boolean truncate) {
        return (c, x) -> {
            Sse.check(c);
            X87Gate.mmx(c);
            SoftFloat s;
            long r;
            if (fmt == F32) {
                long v = Sse.source64(c, x);
                s = begin(c);
                r = singlesToIntPair(s, v, truncate);
            } else {
                Sse.source(c, x, true);
                s = begin(c);
                r = doublesToIntPair(s, c.fpu.srcLo, c.fpu.srcHi, truncate);
            }
            Sse.commit(c);
            Mmx.write(c, x.reg(), r);
        };
    }

    private static final Op CVTPS2PD = (c, x) -> {
        Sse.check(c);
        long v = Sse.source64(c, x);
        SoftFloat s = begin(c);
        long lo = SimdMath.convert(s, F32, F64, v & LOW32);
        long hi = SimdMath.convert(s, F32, F64, v >>> 32);
        Sse.commit(c);
        c.fpu.xmm[x.reg() << 1] = lo;
        c.fpu.xmm[(x.reg() << 1) | 1] = hi;
    };

    private static final Op CVTPD2PS = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        SoftFloat s = begin(c);
        long r = SimdMath.convert(s, F64, F32, f.srcLo) | SimdMath.convert(s, F64, F32, f.srcHi) << 32;
        Sse.commit(c);
        f.xmm[x.reg() << 1] = r;
        f.xmm[(x.reg() << 1) | 1] = 0;
    };

    /** CVTSS2SD and CVTSD2SS. */
    private static Op scalarFormat(int from, int to) {
        return (c, x) -> {
            Sse.check(c);
            long v = SseFloat.scalarSource(c, x, from);
            SoftFloat s = begin(c);
            long r = SimdMath.convert(s, from, to, v);
            Sse.commit(c);
            int d = x.reg() << 1;
            c.fpu.xmm[d] = SseFloat.merge(to, c.fpu.xmm[d], r);
        };
    }

    private static final Op CVTDQ2PS = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        SoftFloat s = begin(c);
        long lo = intsToSingles(s, f.srcLo);
        long hi = intsToSingles(s, f.srcHi);
        Sse.commit(c);
        f.xmm[x.reg() << 1] = lo;
        f.xmm[(x.reg() << 1) | 1] = hi;
    };

    /** CVTPS2DQ and CVTTPS2DQ. */
    private static Op singlesToInts(boolean truncate) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            long lo = singlesToIntPair(s, f.srcLo, truncate);
            long hi = singlesToIntPair(s, f.srcHi, truncate);
            Sse.commit(c);
            f.xmm[x.reg() << 1] = lo;
            f.xmm[(x.reg() << 1) | 1] = hi;
        };
    }

    /** CVTPD2DQ and CVTTPD2DQ: two doubles to the low two doublewords; the upper half is cleared. */
    private static Op doublesToInts(boolean truncate) {
        return (c, x) -> {
            Sse.check(c);
            Sse.source(c, x, true);
            FpuState f = c.fpu;
            SoftFloat s = begin(c);
            long r = doublesToIntPair(s, f.srcLo, f.srcHi, truncate);
            Sse.commit(c);
            f.xmm[x.reg() << 1] = r;
            f.xmm[(x.reg() << 1) | 1] = 0;
        };
    }

    private static final Op CVTDQ2PD = (c, x) -> {
        Sse.check(c);
        long v = Sse.source64(c, x);
        SoftFloat s = begin(c);
        c.fpu.xmm[x.reg() << 1] = SimdMath.fromInt(s, F64, (int) v);
        c.fpu.xmm[(x.reg() << 1) | 1] = SimdMath.fromInt(s, F64, (int) (v >>> 32));
    };
}
