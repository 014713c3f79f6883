package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.LOCKABLE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/** CMPXCHG, CMPXCHG8B/CMPXCHG16B and XADD. */
public final class Exchange {
    private Exchange() { }

    static void register(OpcodeMaps m) {
        m.put(TWO_BYTE, 0xB0, MODRM | BYTE | LOCKABLE, i -> locked(i) ? Atomics.LOCK_CMPXCHG : CMPXCHG);
        m.put(TWO_BYTE, 0xB1, MODRM | LOCKABLE, i -> locked(i) ? Atomics.LOCK_CMPXCHG : CMPXCHG);
        m.put(TWO_BYTE, 0xC0, MODRM | BYTE | LOCKABLE, i -> locked(i) ? Atomics.LOCK_XADD : XADD);
        m.put(TWO_BYTE, 0xC1, MODRM | LOCKABLE, i -> locked(i) ? Atomics.LOCK_XADD : XADD);
        m.put(TWO_BYTE, 0xC7, MODRM | LOCKABLE, Exchange::groupC7);
    }

    private static boolean locked(DecodedInsn i) {
        return i.hasPrefix(Insn.P_LOCK) && i.rm < 0;
    }

    private static final Op CMPXCHG = (c, x) -> {
        int s = x.opSize();
        long acc = c.reg(Cpu.RAX, s);
        if (x.rm() >= 0) {
            long dst = c.reg(x.rm(), s);
            Alu.compute(c, Alu.CMP, acc, dst, s);
            if (acc == dst) {
                c.setReg(x.rm(), s, c.reg(x.reg(), s));
            } else {
                c.setReg(Cpu.RAX, s, dst);
            }
            return;
        }
        long lin = Operands.linearRmw(c, x, s);
        long dst = c.mmu.readForWrite(lin, s);
        Alu.compute(c, Alu.CMP, acc, dst, s);
        if (acc == dst) {
            c.mmu.write(lin, s, c.reg(x.reg(), s));
        } else {
            c.mmu.write(lin, s, dst);
            c.setReg(Cpu.RAX, s, dst);
        }
    };

    private static final Op XADD = (c, x) -> {
        int s = x.opSize();
        long src = c.reg(x.reg(), s);
        if (x.rm() >= 0) {
            long dst = c.reg(x.rm(), s);
            long sum = Alu.compute(c, Alu.ADD, dst, src, s);
            c.setReg(x.reg(), s, dst);
            c.setReg(x.rm(), s, sum);
            return;
        }
        long lin = Operands.linearRmw(c, x, s);
        long dst = c.mmu.readForWrite(lin, s);
        long sum = Alu.compute(c, Alu.ADD, dst, src, s);
        c.mmu.write(lin, s, sum);
        c.setReg(x.reg(), s, dst);
    };

    /** 0F C7 /1: CMPXCHG8B, or CMPXCHG16B with REX.W. RDRAND/RDSEED are not advertised. */
    private static Op groupC7(DecodedInsn i) {
        if (i.sub != 1 || i.rm >= 0 || i.hasPrefix(Insn.P_REP) || i.hasPrefix(Insn.P_REPNE)) {
            return null;
        }
        return i.hasPrefix(Insn.P_REXW) ? CMPXCHG16B : CMPXCHG8B;
    }

    private static final Op CMPXCHG8B = (c, x) -> {
        long lin = Operands.linearRmw(c, x, 8);
        long expected = (c.reg(Cpu.RDX) << 32) | (c.reg(Cpu.RAX) & 0xFFFF_FFFFL);
        if (x.hasPrefix(Insn.P_LOCK) && c.cpuCount > 1) {
            long replacement = (c.reg(Cpu.RCX) << 32) | (c.reg(Cpu.RBX) & 0xFFFF_FFFFL);
            long seen = Atomics.cmpxchg(c, lin, 8, expected, replacement);
            long kept = c.flags.bits() & ~Flags.ZF;
            c.flags.setBits(kept | (seen == expected ? Flags.ZF : 0));
            if (seen != expected) {
                c.setReg(Cpu.RAX, 4, seen);
                c.setReg(Cpu.RDX, 4, seen >>> 32);
            }
            return;
        }
        long old = c.mmu.readForWrite(lin, 8);
        long kept = c.flags.bits() & ~Flags.ZF;
        if (old == expected) {
            c.mmu.write(lin, 8, (c.reg(Cpu.RCX) << 32) | (c.reg(Cpu.RBX) & 0xFFFF_FFFFL));
            c.flags.setBits(kept | Flags.ZF);
        } else {
            c.mmu.write(lin, 8, old);
            c.setReg(Cpu.RAX, 4, old);
            c.setReg(Cpu.RDX, 4, old >>> 32);
            c.flags.setBits(kept);
        }
    };

    private static final Op CMPXCHG16B = (c, x) -> {
        long ea = Operands.ea(c, x);
        long lin = c.linearWrite(x.seg(), ea, 16);
        if ((lin & 0xF) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        c.mmu.probeWrite(lin, 16, c.cpl() == 3);
        if (c.cpuCount > 1) {
            synchronized (Atomics.SPLIT_LOCK) {
                compareExchange16(c, lin);
            }
        } else {
            compareExchange16(c, lin);
        }
    };

    private static void compareExchange16(Cpu c, long lin) {
        long lo = c.mmu.readForWrite(lin, 8);
        long hi = c.mmu.readForWrite(lin + 8, 8);
        long kept = c.flags.bits() & ~Flags.ZF;
        if (lo == c.reg(Cpu.RAX) && hi == c.reg(Cpu.RDX)) {
            c.mmu.write(lin, 8, c.reg(Cpu.RBX));
            c.mmu.write(lin + 8, 8, c.reg(Cpu.RCX));
            c.flags.setBits(kept | Flags.ZF);
        } else {
            c.mmu.write(lin, 8, lo);
            c.mmu.write(lin + 8, 8, hi);
            c.setReg(Cpu.RAX, lo);
            c.setReg(Cpu.RDX, hi);
            c.flags.setBits(kept);
        }
    }
}
