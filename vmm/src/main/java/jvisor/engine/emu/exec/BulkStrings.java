package jvisor.engine.emu.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;

/**
 * REP MOVS and REP STOS a page at a time (64-bit mode, upward): each chunk that stays inside one
 * source and one destination page of plain RAM is copied or filled with one bulk operation on
 * the RAM segment. Whatever does not fit the fast case (MMIO, an overlap that would replicate
 * bytes, the last partial element run) is left to the element-by-element loop, with RCX, RSI and
 * RDI exactly where that loop expects them.
 */
final class BulkStrings {
    private BulkStrings() { }

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Bytes moved per call at most, so interrupts and kicks are not held off for long. */
    private static final long BUDGET = 1L << 20;

    /** Runs bulk chunks while they apply; returns the count still to do (RCX as updated). */
    static long run(Cpu c, Insn x, boolean move, long count) {
        int size = x.opSize();
        int a = x.addrSize();
        long moved = 0;
        MemorySegment ram = c.mmu.ram();
        if (c.mmu.watch.armed) {
            return count; // one element at a time, so a data breakpoint stops after the element that hit it
        }
        while (count > 0 && moved < BUDGET) {
            long dstLin = c.linearWrite(Cpu.ES, c.reg(Cpu.RDI, a), size);
            long srcLin = move ? c.linearRead(x.seg(), c.reg(Cpu.RSI, a), size) : 0;
            long room = (0x1000 - (dstLin & 0xFFF)) / size;
            if (move) {
                room = Math.min(room, (0x1000 - (srcLin & 0xFFF)) / size);
            }
            long n = Math.min(count, room);
            if (n < 2 || (a != 8 && (c.reg(Cpu.RDI, a) + n * size > (1L << (a * 8))))) {
                break;
            }
            int bytes = (int) (n * size);
            long dst = c.mmu.hostForWrite(dstLin, bytes);
            long src = move ? c.mmu.hostForRead(srcLin, bytes) : 0;
            if (dst < 0 || src < 0 || (move && dst > src && dst < src + bytes)) {
                break;
            }
            if (move) {
                MemorySegment.copy(ram, src, ram, dst, bytes);
            } else {
                fill(ram, dst, bytes, size, c.reg(Cpu.RAX));
            }
            count -= n;
            moved += bytes;
            c.setReg(Cpu.RDI, a, c.reg(Cpu.RDI, a) + bytes);
            if (move) {
                c.setReg(Cpu.RSI, a, c.reg(Cpu.RSI, a) + bytes);
            }
            c.setReg(Cpu.RCX, a, count);
        }
        return count;
    }

    private static void fill(MemorySegment ram, long at, int bytes, int size, long value) {
        if (size == 1 || sameBytes(value, size)) {
            // Also REP STOSQ of zero, how a kernel clears a page.
            ram.asSlice(at, bytes).fill((byte) value);
            return;
        }
        for (int off = 0; off < bytes; off += size) {
            switch (size) {
                case 2 -> ram.set(U16, at + off, (short) value);
                case 4 -> ram.set(U32, at + off, (int) value);
                default -> ram.set(U64, at + off, value);
            }
        }
    }

    /** Whether the low {@code size} bytes of {@code value} are all the same byte. */
    static boolean sameBytes(long value, int size) {
        long bytes = size == 8 ? value : value & ((1L << (size * 8)) - 1);
        long repeated = (value & 0xFF) * (size == 8 ? 0x0101_0101_0101_0101L : size == 4 ? 0x0101_0101L : 0x0101L);
        return bytes == repeated;
    }
}
