package jvisor.engine.emu.region;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Mmu;
import jvisor.engine.emu.cpu.Vectors;

/**
 * What the generated code calls for the work of one instruction: the ALU operations with their
 * flags, register writes narrower than 32 bits, the stack. Each is small, so HotSpot inlines
 * them into a region (C2 always, C1 most of them), and a region's own bytecode stays a short
 * sequence of loads, calls and stores per instruction, cheap to compile.
 */
public final class RegionOps {
    private RegionOps() { }

    public static long add(Flags f, long a, long b, int size) {
        long r = a + b;
        f.set(Flags.ADD, a, b, r, size);
        return r;
    }

    public static long sub(Flags f, long a, long b, int size) {
        long r = a - b;
        f.set(Flags.SUB, a, b, r, size);
        return r;
    }

    public static long and(Flags f, long a, long b, int size) {
        long r = a & b;
        f.logic(r, size);
        return r;
    }

    public static long or(Flags f, long a, long b, int size) {
        long r = a | b;
        f.logic(r, size);
        return r;
    }

    public static long xor(Flags f, long a, long b, int size) {
        long r = a ^ b;
        f.logic(r, size);
        return r;
    }

    public static long adc(Flags f, long a, long b, int size) {
        boolean carry = f.cf();
        long r = a + b + (carry ? 1 : 0);
        f.set(carry ? Flags.ADC : Flags.ADD, a, b, r, size);
        return r;
    }

    public static long sbb(Flags f, long a, long b, int size) {
        boolean borrow = f.cf();
        long r = a - b - (borrow ? 1 : 0);
        f.set(borrow ? Flags.SBB : Flags.SUB, a, b, r, size);
        return r;
    }

    public static long inc(Flags f, long v, int size) {
        f.incDec(true, v, v + 1, size);
        return v + 1;
    }

    public static long dec(Flags f, long v, int size) {
        f.incDec(false, v, v - 1, size);
        return v - 1;
    }

    public static long neg(Flags f, long v, int size) {
        long r = -v;
        f.set(Flags.SUB, 0, v, r, size);
        return r;
    }

    /** Writes the low 16 bits of register {@code n}, keeping the rest. */
    public static void set16(long[] r, int n, long v) {
        r[n] = (r[n] & ~0xFFFFL) | (v & 0xFFFF);
    }

    /** Writes byte register {@code n} (16-19: AH, CH, DH, BH), keeping the rest. */
    public static void set8(long[] r, int n, long v) {
        if (n < 16) {
            r[n] = (r[n] & ~0xFFL) | (v & 0xFF);
        } else {
            r[n - 16] = (r[n - 16] & ~0xFF00L) | ((v & 0xFF) << 8);
        }
    }

    /** Byte register {@code n}, zero-extended. */
    public static long get8(long[] r, int n) {
        return n < 16 ? r[n] & 0xFF : (r[n - 16] >>> 8) & 0xFF;
    }

    /** A 64-bit stack access at {@code sp}: #SS(0) unless both its ends are canonical. */
    public static long stack(Cpu c, long sp) {
        if ((sp << 16 >> 16) != sp || ((sp + 7) << 16 >> 16) != sp + 7) {
            throw c.fault(Vectors.SS, 0);
        }
        return sp;
    }

    /** A near branch target in 64-bit mode: #GP(0) unless canonical. */
    public static long target(Cpu c, long rip) {
        if ((rip << 16 >> 16) != rip) {
            throw c.fault(Vectors.GP, 0);
        }
        return rip;
    }

    /** PUSH of 8 bytes; returns whether the write hit decoded code. */
    public static boolean push(Cpu c, long[] r, Mmu m, long v) {
        long sp = stack(c, r[Cpu.RSP] - 8);
        boolean wrote = m.write64(sp, v);
        r[Cpu.RSP] = sp;
        return wrote;
    }

    /** POP of 8 bytes: the value; RSP has moved. */
    public static long pop(Cpu c, long[] r, Mmu m) {
        long sp = stack(c, r[Cpu.RSP]);
        long v = m.read64(sp);
        r[Cpu.RSP] = sp + 8;
        return v;
    }

    /** RET (imm16): the return address, checked; RSP has moved past it and {@code release} more bytes. */
    public static long ret(Cpu c, long[] r, Mmu m, int release) {
        long sp = stack(c, r[Cpu.RSP]);
        long target = target(c, m.read64(sp));
        r[Cpu.RSP] = sp + 8 + release;
        return target;
    }
}
