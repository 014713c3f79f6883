package jvisor.engine.emu.exec.sse;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.Operands;
import jvisor.engine.emu.exec.x87.X87Gate;
import jvisor.engine.emu.fpu.FpuState;

/**
 * Data rearrangement: PSHUFW/PSHUFD/PSHUFHW/PSHUFLW, SHUFPS/SHUFPD, UNPCK*PS/PD, the shifts by
 * an immediate (including the whole-register byte shifts PSLLDQ/PSRLDQ), PINSRW, PEXTRW and
 * PMOVMSKB.
 */
final class SseShuffle {
    private SseShuffle() { }

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0x70, MODRM | IMM8, Mandatory.pick(PSHUFW, PSHUFD, PSHUFHW, PSHUFLW));
        m.put(TWO_BYTE, 0xC6, MODRM | IMM8, Mandatory.pick(SHUFPS, SHUFPD, null, null));
        m.put(TWO_BYTE, 0x14, MODRM, Mandatory.pick(SseInteger.quad((r, d, dl, dh, sl, sh) -> {
            r[d] = IntLanes.interleave(dl, sl, 32);
            r[d | 1] = IntLanes.interleave(dl >>> 32, sl >>> 32, 32);
        }), SseInteger.quad((r, d, dl, dh, sl, sh) -> r[d | 1] = sl), null, null));
        m.put(TWO_BYTE, 0x15, MODRM, Mandatory.pick(SseInteger.quad((r, d, dl, dh, sl, sh) -> {
            r[d] = IntLanes.interleave(dh, sh, 32);
            r[d | 1] = IntLanes.interleave(dh >>> 32, sh >>> 32, 32);
        }), SseInteger.quad((r, d, dl, dh, sl, sh) -> {
            r[d] = dh;
            r[d | 1] = sh;
        }), null, null));
        m.put(TWO_BYTE, 0x71, MODRM | IMM8, i -> shiftGroup(i, 16));
        m.put(TWO_BYTE, 0x72, MODRM | IMM8, i -> shiftGroup(i, 32));
        m.put(TWO_BYTE, 0x73, MODRM | IMM8, i -> shiftGroup(i, 64));
        m.put(TWO_BYTE, 0xC4, MODRM | IMM8, Mandatory.pick(PINSRW_MMX, PINSRW, null, null));
        m.put(TWO_BYTE, 0xC5, MODRM | IMM8, i -> i.rm < 0 ? null : Mandatory.pick(PEXTRW_MMX, PEXTRW, null, null).build(i));
        m.put(TWO_BYTE, 0xD7, MODRM, i -> i.rm < 0 ? null : Mandatory.pick(PMOVMSKB_MMX, PMOVMSKB, null, null).build(i));
    }

    private static int imm(Insn x) {
        return (int) x.imm() & 0xFF;
    }

    private static long word(long v, int n) {
        return (v >>> (16 * n)) & 0xFFFF;
    }

    /** Four words of {@code v} picked by the four two-bit fields of {@code imm}. */
    private static long shuffleWords(long v, int imm) {
        return word(v, imm & 3) | word(v, (imm >>> 2) & 3) << 16 | word(v, (imm >>> 4) & 3) << 32
                | word(v, (imm >>> 6) & 3) << 48;
    }

    private static long dword(long lo, long hi, int n) {
        long v = n < 2 ? lo : hi;
        return (n & 1) == 0 ? v & 0xFFFF_FFFFL : v >>> 32;
    }

    private static final Op PSHUFW = (c, x) -> {
        X87Gate.mmx(c);
        long src = Mmx.source(c, x);
        Mmx.write(c, x.reg(), shuffleWords(src, imm(x)));
    };

    private static final Op PSHUFD = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        int n = imm(x);
        long lo = f.srcLo;
        long hi = f.srcHi;
        f.xmm[x.reg() << 1] = dword(lo, hi, n & 3) | dword(lo, hi, (n >>> 2) & 3) << 32;
        f.xmm[(x.reg() << 1) | 1] = dword(lo, hi, (n >>> 4) & 3) | dword(lo, hi, (n >>> 6) & 3) << 32;
    };

    private static final Op PSHUFHW = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        f.xmm[x.reg() << 1] = f.srcLo;
        f.xmm[(x.reg() << 1) | 1] = shuffleWords(f.srcHi, imm(x));
    };

    private static final Op PSHUFLW = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        f.xmm[x.reg() << 1] = shuffleWords(f.srcLo, imm(x));
        f.xmm[(x.reg() << 1) | 1] = f.srcHi;
    };

    private static final Op SHUFPS = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        int n = imm(x);
        int d = x.reg() << 1;
        long dl = f.xmm[d];
        long dh = f.xmm[d | 1];
        f.xmm[d] = dword(dl, dh, n & 3) | dword(dl, dh, (n >>> 2) & 3) << 32;
        f.xmm[d | 1] = dword(f.srcLo, f.srcHi, (n >>> 4) & 3) | dword(f.srcLo, f.srcHi, (n >>> 6) & 3) << 32;
    };

    private static final Op SHUFPD = (c, x) -> {
        Sse.check(c);
        Sse.source(c, x, true);
        FpuState f = c.fpu;
        int n = imm(x);
        int d = x.reg() << 1;
        f.xmm[d] = (n & 1) == 0 ? f.xmm[d] : f.xmm[d | 1];
        f.xmm[d | 1] = (n & 2) == 0 ? f.srcLo : f.srcHi;
    };

    /** 0F 71/72/73: shifts of the r/m register by an immediate; /3 and /7 of 73 shift whole XMM bytes. */
    private static Op shiftGroup(DecodedInsn i, int bits) {
        int mandatory = Mandatory.of(i);
        if (i.rm < 0 || (mandatory != Mandatory.NONE && mandatory != Mandatory.P66)) {
            return null;
        }
        boolean xmm = mandatory == Mandatory.P66;
        int kind = switch (i.sub) {
            case 2 -> IntLanes.SRL;
            case 4 -> bits == 64 ? -1 : IntLanes.SRA;
            case 6 -> IntLanes.SLL;
            case 3, 7 -> bits == 64 && xmm ? (i.sub == 3 ? BYTES_RIGHT : BYTES_LEFT) : -1;
            default -> -1;
        };
        if (kind < 0) {
            return null;
        }
        if (kind == BYTES_RIGHT || kind == BYTES_LEFT) {
            return (c, x) -> {
                Sse.check(c);
                shiftBytes(c.fpu.xmm, x.rm() << 1, imm(x), kind == BYTES_LEFT);
            };
        }
        if (!xmm) {
            return (c, x) -> {
                X87Gate.mmx(c);
                Mmx.write(c, x.rm(), IntLanes.shift(c.fpu.sig[x.rm() & 7], imm(x), bits, kind));
            };
        }
        return (c, x) -> {
            Sse.check(c);
            long[] r = c.fpu.xmm;
            int d = x.rm() << 1;
            r[d] = IntLanes.shift(r[d], imm(x), bits, kind);
            r[d | 1] = IntLanes.shift(r[d | 1], imm(x), bits, kind);
        };
    }

    private static final int BYTES_RIGHT = 10;
    private static final int BYTES_LEFT = 11;

    /** PSLLDQ/PSRLDQ: the 128-bit register shifted by whole bytes. */
    private static void shiftBytes(long[] r, int d, int bytes, boolean left) {
        long lo = r[d];
        long hi = r[d | 1];
        int n = bytes > 15 ? 128 : bytes * 8;
        if (n >= 64) {
            long v = n >= 128 ? 0 : left ? lo << (n - 64) : hi >>> (n - 64);
            r[d] = left ? 0 : v;
            r[d | 1] = left ? v : 0;
        } else if (n > 0) {
            r[d] = left ? lo << n : (lo >>> n) | (hi << (64 - n));
            r[d | 1] = left ? (hi << n) | (lo >>> (64 - n)) : hi >>> n;
        }
    }

    /** PINSRW's word source: the low word of a general register or a 16-bit memory operand. */
    private static long insertSource(Cpu c, Insn x) {
        return x.rm() >= 0 ? c.reg(x.rm()) & 0xFFFF : c.read16(x.seg(), Operands.ea(c, x));
    }

    private static long insertWord(long v, int n, long w) {
        int shift = 16 * n;
        return (v & ~(0xFFFFL << shift)) | (w << shift);
    }

    private static final Op PINSRW_MMX = (c, x) -> {
        X87Gate.mmx(c);
        long w = insertSource(c, x);
        Mmx.write(c, x.reg(), insertWord(Mmx.reg(c, x), imm(x) & 3, w));
    };

    private static final Op PINSRW = (c, x) -> {
        Sse.check(c);
        long w = insertSource(c, x);
        int n = imm(x) & 7;
        int at = (x.reg() << 1) | (n >>> 2);
        c.fpu.xmm[at] = insertWord(c.fpu.xmm[at], n & 3, w);
    };

    private static final Op PEXTRW_MMX = (c, x) -> {
        X87Gate.mmx(c);
        c.fpu.enterMmx();
        c.setReg(x.reg(), 4, word(c.fpu.sig[x.rm() & 7], imm(x) & 3));
    };

    private static final Op PEXTRW = (c, x) -> {
        Sse.check(c);
        int n = imm(x) & 7;
        c.setReg(x.reg(), 4, word(c.fpu.xmm[(x.rm() << 1) | (n >>> 2)], n & 3));
    };

    private static final Op PMOVMSKB_MMX = (c, x) -> {
        X87Gate.mmx(c);
        c.fpu.enterMmx();
        c.setReg(x.reg(), 4, IntLanes.byteSigns(c.fpu.sig[x.rm() & 7]));
    };

    private static final Op PMOVMSKB = (c, x) -> {
        Sse.check(c);
        long[] r = c.fpu.xmm;
        c.setReg(x.reg(), 4, IntLanes.byteSigns(r[x.rm() << 1]) | IntLanes.byteSigns(r[(x.rm() << 1) | 1]) << 8);
    };
}
