package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMZ;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * MUL, IMUL (one, two and three operands), DIV and IDIV with #DE. Flags the SDM leaves undefined
 * follow the host processor this was checked against: multiplications keep SF, ZF, AF and PF;
 * divisions keep CF and OF, set AF and clear SF, ZF and PF.
 */
public final class MulDiv {
    private MulDiv() { }

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0xAF, MODRM, i -> IMUL2);
        m.put(ONE_BYTE, 0x69, MODRM | IMMZ, i -> IMUL3);
        m.put(ONE_BYTE, 0x6B, MODRM | IMM8, i -> IMUL3);
    }

    /** F6/F7 /4-/7. */
    static Op group3(DecodedInsn i) {
        return switch (i.sub) {
            case 4 -> MUL;
            case 5 -> IMUL1;
            case 6 -> DIV;
            default -> IDIV;
        };
    }

    private static void mulFlags(Cpu c, boolean overflow) {
        long kept = c.flags.bits() & (Flags.SF | Flags.ZF | Flags.AF | Flags.PF);
        c.flags.setBits(kept | (overflow ? Flags.CF | Flags.OF : 0));
    }

    private static void divFlags(Cpu c) {
        long kept = c.flags.bits() & (Flags.CF | Flags.OF);
        c.flags.setBits(kept | Flags.AF);
    }

    static final Op MUL = MulDiv::mul;
    static void mul(Cpu c, Insn x) {
        int s = x.opSize();
        long src = Operands.readRm(c, x, s);
        switch (s) {
            case 1 -> {
                long r = (c.reg(Cpu.RAX) & 0xFF) * src;
                c.setReg(Cpu.RAX, 2, r);
                mulFlags(c, (r >>> 8) != 0);
            }
            case 2 -> {
                long r = (c.reg(Cpu.RAX) & 0xFFFF) * src;
                c.setReg(Cpu.RAX, 2, r);
                c.setReg(Cpu.RDX, 2, r >>> 16);
                mulFlags(c, (r >>> 16) != 0);
            }
            case 4 -> {
                long r = (c.reg(Cpu.RAX) & 0xFFFF_FFFFL) * src;
                c.setReg(Cpu.RAX, 4, r);
                c.setReg(Cpu.RDX, 4, r >>> 32);
                mulFlags(c, (r >>> 32) != 0);
            }
            default -> {
                long a = c.reg(Cpu.RAX);
                long hi = Math.unsignedMultiplyHigh(a, src);
                c.setReg(Cpu.RAX, a * src);
                c.setReg(Cpu.RDX, hi);
                mulFlags(c, hi != 0);
            }
        }
    }


    static final Op IMUL1 = MulDiv::imul1;
    static void imul1(Cpu c, Insn x) {
        int s = x.opSize();
        long src = Flags.sx(Operands.readRm(c, x, s), s);
        switch (s) {
            case 1 -> {
                long r = (byte) c.reg(Cpu.RAX) * src;
                c.setReg(Cpu.RAX, 2, r);
                mulFlags(c, r != (byte) r);
            }
            case 2 -> {
                long r = (short) c.reg(Cpu.RAX) * src;
                c.setReg(Cpu.RAX, 2, r);
                c.setReg(Cpu.RDX, 2, r >>> 16);
                mulFlags(c, r != (short) r);
            }
            case 4 -> {
                long r = (int) c.reg(Cpu.RAX) * src;
                c.setReg(Cpu.RAX, 4, r);
                c.setReg(Cpu.RDX, 4, r >>> 32);
                mulFlags(c, r != (int) r);
            }
            default -> {
                long a = c.reg(Cpu.RAX);
                long lo = a * src;
                long hi = Math.multiplyHigh(a, src);
                c.setReg(Cpu.RAX, lo);
                c.setReg(Cpu.RDX, hi);
                mulFlags(c, hi != (lo >> 63));
            }
        }
    }


    /** Signed a * b at {@code s} bytes; sets CF/OF on truncation; returns the truncated product (also for compiled regions). */
    public static long imul(Cpu c, long a, long b, int s) {
        if (s == 8) {
            long lo = a * b;
            mulFlags(c, Math.multiplyHigh(a, b) != (lo >> 63));
            return lo;
        }
        long r = Flags.sx(a, s) * Flags.sx(b, s);
        mulFlags(c, r != Flags.sx(r, s));
        return r;
    }

    static final Op IMUL2 = MulDiv::imul2;
    static void imul2(Cpu c, Insn x) {
        int s = x.opSize();
        c.setReg(x.reg(), s, imul(c, c.reg(x.reg(), s), Operands.readRm(c, x, s), s));
    }


    static final Op IMUL3 = MulDiv::imul3;
    static void imul3(Cpu c, Insn x) {
        int s = x.opSize();
        c.setReg(x.reg(), s, imul(c, Operands.readRm(c, x, s), x.imm(), s));
    }


    static final Op DIV = MulDiv::div;
    static void div(Cpu c, Insn x) {
        int s = x.opSize();
        long d = Operands.readRm(c, x, s);
        if (d == 0) {
            throw c.fault(Vectors.DE);
        }
        if (s == 8) {
            long hi = c.reg(Cpu.RDX);
            long lo = c.reg(Cpu.RAX);
            if (Long.compareUnsigned(hi, d) >= 0) {
                throw c.fault(Vectors.DE);
            }
            long q = hi == 0 ? Long.divideUnsigned(lo, d) : divide128(hi, lo, d);
            c.setReg(Cpu.RAX, q);
            c.setReg(Cpu.RDX, lo - q * d);
            divFlags(c);
            return;
        }
        int bits = s << 3;
        long n = s == 1 ? c.reg(Cpu.RAX) & 0xFFFF
                : ((c.reg(Cpu.RDX) & Operands.mask(-1, s)) << bits) | c.reg(Cpu.RAX, s);
        long q = Long.divideUnsigned(n, d);
        long r = Long.remainderUnsigned(n, d);
        if ((q >>> bits) != 0) {
            throw c.fault(Vectors.DE);
        }
        storeQuotient(c, s, q, r);
        divFlags(c);
    }


    static final Op IDIV = MulDiv::idiv;
    static void idiv(Cpu c, Insn x) {
        int s = x.opSize();
        long d = Flags.sx(Operands.readRm(c, x, s), s);
        if (d == 0) {
            throw c.fault(Vectors.DE);
        }
        if (s == 8) {
            idiv128(c, d);
            divFlags(c);
            return;
        }
        int bits = s << 3;
        long n = s == 1 ? (short) c.reg(Cpu.RAX)
                : (Flags.sx(c.reg(Cpu.RDX), s) << bits) | c.reg(Cpu.RAX, s);
        if (n == Long.MIN_VALUE && d == -1) {
            throw c.fault(Vectors.DE);
        }
        long q = n / d;
        long r = n % d;
        if (q != Flags.sx(q, s)) {
            throw c.fault(Vectors.DE);
        }
        storeQuotient(c, s, q, r);
        divFlags(c);
    }


    private static void storeQuotient(Cpu c, int s, long q, long r) {
        if (s == 1) {
            c.setReg(Cpu.RAX, 2, (q & 0xFF) | ((r & 0xFF) << 8));
        } else {
            c.setReg(Cpu.RAX, s, q);
            c.setReg(Cpu.RDX, s, r);
        }
    }

    private static void idiv128(Cpu c, long d) {
        long hi = c.reg(Cpu.RDX);
        long lo = c.reg(Cpu.RAX);
        boolean negative = hi < 0;
        if (negative) {
            lo = -lo;
            hi = ~hi + (lo == 0 ? 1 : 0);
        }
        long ad = d < 0 ? -d : d;
        if (Long.compareUnsigned(hi, ad) >= 0) {
            throw c.fault(Vectors.DE);
        }
        long q = hi == 0 ? Long.divideUnsigned(lo, ad) : divide128(hi, lo, ad);
        long r = lo - q * ad;
        boolean quotientNegative = negative != (d < 0);
        if (quotientNegative ? Long.compareUnsigned(q, Long.MIN_VALUE) > 0 : q < 0) {
            throw c.fault(Vectors.DE);
        }
        c.setReg(Cpu.RAX, quotientNegative ? -q : q);
        c.setReg(Cpu.RDX, negative ? -r : r);
    }

    /** Unsigned (hi:lo) / v for hi < v: the 64-bit quotient (Hacker's Delight divlu, two 32-bit digits). */
    static long divide128(long hi, long lo, long v) {
        final long b = 1L << 32;
        int s = Long.numberOfLeadingZeros(v);
        v <<= s;
        long vn1 = v >>> 32;
        long vn0 = v & 0xFFFF_FFFFL;
        long un32 = (hi << s) | (s == 0 ? 0 : lo >>> (64 - s));
        long un10 = lo << s;
        long un1 = un10 >>> 32;
        long un0 = un10 & 0xFFFF_FFFFL;
        long q1 = Long.divideUnsigned(un32, vn1);
        long rhat = un32 - q1 * vn1;
        while (Long.compareUnsigned(q1, b) >= 0 || Long.compareUnsigned(q1 * vn0, b * rhat + un1) > 0) {
            q1--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) {
                break;
            }
        }
        long un21 = un32 * b + un1 - q1 * v;
        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (Long.compareUnsigned(q0, b) >= 0 || Long.compareUnsigned(q0 * vn0, b * rhat + un0) > 0) {
            q0--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) {
                break;
            }
        }
        return q1 * b + q0;
    }
}
