package jvisor.engine.emu.region;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jvisor.engine.emu.cpu.Flags;

/**
 * The operations a region calls rather than compiles inline: ADC and SBB, which read the carry
 * the flags hold before they record their own; and the layouts of guest memory.
 */
public final class RegionOps {
    private RegionOps() { }

    /** Guest memory's layouts, constants a region's accesses refer to. */
    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
