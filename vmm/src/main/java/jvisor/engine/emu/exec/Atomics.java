package jvisor.engine.emu.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;

/**
 * LOCK-prefixed read-modify-writes and XCHG with memory. With one processor a plain
 * read-modify-write is already atomic. With several, the new value is stored with a
 * compare-and-set on the RAM segment and the operation retried if another processor changed the
 * memory in between, so locked operations are atomic against every other access. Byte and word
 * operands are compare-and-set inside their aligned 8-byte word; an operand that straddles one
 * (a split lock) and CMPXCHG16B serialize on one VM-wide lock instead.
 */
final class Atomics {
    private Atomics() { }

    static final int INC = 8;
    static final int DEC = 9;
    static final int NOT = 10;
    static final int NEG = 11;
    static final int XCHG = 12;
    static final int XADD = 13;
    static final int BTS = 14;
    static final int BTR = 15;
    static final int BTC = 16;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /** Serializes split locks and CMPXCHG16B across processors. */
    static final Object SPLIT_LOCK = new Object();

    /** The new value of a locked operation on {@code old}; sets the flags as the unlocked form does. */
    private static long apply(Cpu c, int op, long old, long operand, int size) {
        return switch (op) {
            case INC -> {
                c.flags.incDec(true, old, old + 1, size);
                yield old + 1;
            }
            case DEC -> {
                c.flags.incDec(false, old, old - 1, size);
                yield old - 1;
            }
            case NOT -> ~old;
            case NEG -> {
                c.flags.set(Flags.SUB, 0, old, -old, size);
                yield -old;
            }
            case XCHG -> operand;
            case XADD -> Alu.compute(c, Alu.ADD, old, operand, size);
            case BTS, BTR, BTC -> bit(c, op, old, (int) operand);
            default -> Alu.compute(c, op, old, operand, size);
        };
    }

    private static long bit(Cpu c, int op, long v, int bit) {
        long mask = 1L << bit;
        long kept = c.flags.bits() & ~Flags.CF;
        c.flags.setBits(kept | ((v & mask) != 0 ? Flags.CF : 0));
        return op == BTS ? v | mask : op == BTR ? v & ~mask : v ^ mask;
    }

    /** Performs {@code op} on {@code [lin, lin+size)} atomically; returns the old value. */
    static long rmw(Cpu c, long lin, int size, int op, long operand) {
        if (c.cpuCount > 1) {
            long host = c.mmu.hostForWrite(lin, size);
            if (host >= 0) {
                return casLoop(c, host, size, op, operand);
            }
        }
        long old = c.mmu.readForWrite(lin, size);
        c.mmu.write(lin, size, apply(c, op, old, operand, size));
        return old;
    }

    private static long casLoop(Cpu c, long host, int size, int op, long operand) {
        MemorySegment ram = c.mmu.ram();
        long word = host & ~7L;
        int shift = (int) (host - word) * 8;
        if (shift + size * 8 > 64) {
            synchronized (SPLIT_LOCK) {
                long old = read(ram, host, size);
                write(ram, host, size, apply(c, op, old, operand, size));
                return old;
            }
        }
        long fieldMask = size == 8 ? -1L : ((1L << (size * 8)) - 1) << shift;
        while (true) {
            long whole = (long) LONG.getVolatile(ram, word);
            long old = (whole & fieldMask) >>> shift;
            long next = apply(c, op, old, operand, size);
            long updated = (whole & ~fieldMask) | ((next << shift) & fieldMask);
            if (LONG.compareAndSet(ram, word, whole, updated)) {
                return old;
            }
        }
    }

    /** LOCK CMPXCHG: compares the accumulator, stores the source if equal; returns the memory's old value. */
    static long cmpxchg(Cpu c, long lin, int size, long acc, long src) {
        if (c.cpuCount > 1) {
            long host = c.mmu.hostForWrite(lin, size);
            if (host >= 0) {
                MemorySegment ram = c.mmu.ram();
                long word = host & ~7L;
                int shift = (int) (host - word) * 8;
                if (shift + size * 8 <= 64) {
                    long fieldMask = size == 8 ? -1L : ((1L << (size * 8)) - 1) << shift;
                    while (true) {
                        long whole = (long) LONG.getVolatile(ram, word);
                        long old = (whole & fieldMask) >>> shift;
                        Alu.compute(c, Alu.CMP, acc, old, size);
                        if (old != acc) {
                            return old;
                        }
                        long updated = (whole & ~fieldMask) | ((src << shift) & fieldMask);
                        if (LONG.compareAndSet(ram, word, whole, updated)) {
                            return old;
                        }
                    }
                }
                synchronized (SPLIT_LOCK) {
                    return plainCmpxchg(c, lin, size, acc, src);
                }
            }
        }
        return plainCmpxchg(c, lin, size, acc, src);
    }

    private static long plainCmpxchg(Cpu c, long lin, int size, long acc, long src) {
        long old = c.mmu.readForWrite(lin, size);
        Alu.compute(c, Alu.CMP, acc, old, size);
        c.mmu.write(lin, size, old == acc ? src : old);
        return old;
    }

    private static long read(MemorySegment ram, long host, int size) {
        long v = 0;
        for (int b = 0; b < size; b++) {
            v |= (ram.get(ValueLayout.JAVA_BYTE, host + b) & 0xFFL) << (8 * b);
        }
        return v;
    }

    private static void write(MemorySegment ram, long host, int size, long v) {
        for (int b = 0; b < size; b++) {
            ram.set(ValueLayout.JAVA_BYTE, host + b, (byte) (v >>> (8 * b)));
        }
    }

    /** The handler of a locked ALU/INC/DEC/NOT/NEG with a memory destination: the operand is the register or immediate. */
    static Op locked(int op, boolean immediate) {
        return (c, x) -> {
            int s = x.opSize();
            long operand = op >= INC && op <= NEG ? 0 : immediate ? Operands.mask(x.imm(), s) : c.reg(x.reg(), s);
            rmw(c, Operands.linearRmw(c, x, s), s, op, operand);
        };
    }

    /** XCHG with memory: always locked. */
    static final Op XCHG_MEMORY = (c, x) -> {
        int s = x.opSize();
        long old = rmw(c, Operands.linearRmw(c, x, s), s, XCHG, c.reg(x.reg(), s));
        c.setReg(x.reg(), s, old);
    };

    static final Op LOCK_XADD = (c, x) -> {
        int s = x.opSize();
        long old = rmw(c, Operands.linearRmw(c, x, s), s, XADD, c.reg(x.reg(), s));
        c.setReg(x.reg(), s, old);
    };

    static final Op LOCK_CMPXCHG = (c, x) -> {
        int s = x.opSize();
        long acc = c.reg(Cpu.RAX, s);
        long old = cmpxchg(c, Operands.linearRmw(c, x, s), s, acc, c.reg(x.reg(), s));
        if (old != acc) {
            c.setReg(Cpu.RAX, s, old);
        }
    };

    /** Whether an instruction should take the locked path: a LOCK prefix with a memory operand. */
    static boolean isLocked(Insn x) {
        return x.hasPrefix(Insn.P_LOCK) && x.rm() < 0;
    }
}
