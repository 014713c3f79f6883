package jvisor.engine.emu.region;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.exec.Shifts;

/**
 * The operations a region calls rather than compiles inline: ADC and SBB, which read the carry
 * the flags hold before they record their own; the flags an instruction left out, set when a
 * fault or an exit could see them.
 */
public final class RegionOps {
    private RegionOps() { }

    /** {@link RegionFrame#PENDING}'s mark of a shift: with the kind, size and count in its low 15 bits. */
    public static final int SHIFTED = 1 << 16;

    /** A pending code for shift or rotate {@code sub} (group 2's ModRM.reg) by {@code count} at {@code size} bytes. */
    static int shifted(int sub, int size, int count) {
        return SHIFTED | sub << 12 | size << 8 | count;
    }

    /**
     * Sets the flags of an instruction a region computed without them ({@link RegionFrame#PENDING}):
     * the operation of {@code kind} on {@code a} and {@code b} with result {@code r}, or a shift
     * or rotate of {@code a} (which recomputes the flags as the interpreter does).
     */
    public static void settle(Cpu c, int pending, long a, long b, long r) {
        if ((pending & SHIFTED) == 0) {
            c.flags.set64(pending, a, b, r);
        } else {
            Shifts.shift(c, pending >> 12 & 7, a, pending & 0xFF, pending >> 8 & 0xF);
        }
    }

    /** ADC on sign-extended operands; returns the result (only its low {@code size} bytes count). */
    public static long adc(Flags f, long a, long b, int size) {
        boolean carry = f.cf();
        long r = a + b + (carry ? 1 : 0);
        f.set(carry ? Flags.ADC : Flags.ADD, a, b, r, size);
        return r;
    }

    /** SBB on sign-extended operands; returns the result (only its low {@code size} bytes count). */
    public static long sbb(Flags f, long a, long b, int size) {
        boolean borrow = f.cf();
        long r = a - b - (borrow ? 1 : 0);
        f.set(borrow ? Flags.SBB : Flags.SUB, a, b, r, size);
        return r;
    }
}
