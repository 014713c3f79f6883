package jvisor.engine.emu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The soft-float against exact references that need no host: 128-bit division and square
 * root against BigInteger, double and float arithmetic in round-to-nearest against Java's own
 * (IEEE) arithmetic, and the fast path of {@link SimdMath} against the soft-float path, flags
 * included. Directed rounding, the x87 format and the flags are checked against the host
 * processor by the differential tests.
 */
class SoftFloatTest {
    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    @Property(tries = 3000)
    void divisionMatchesBigInteger(@ForAll long u1, @ForAll long u0, @ForAll long v) {
        if (v == 0) {
            return;
        }
        if (Long.compareUnsigned(u1, v) >= 0) {
            u1 = Long.remainderUnsigned(u1, v);
        }
        Wide w = new Wide();
        long q = w.divide(u1, u0, v);
        BigInteger n = unsigned(u1).shiftLeft(64).add(unsigned(u0));
        BigInteger[] qr = n.divideAndRemainder(unsigned(v));
        assertEquals(qr[0], unsigned(q));
        assertEquals(qr[1], unsigned(w.rem));
    }

    @Property(tries = 2000)
    void squareRootMatchesBigInteger(@ForAll long hi, @ForAll long lo) {
        Wide w = new Wide();
        long root = w.sqrt(hi, lo);
        BigInteger n = unsigned(hi).shiftLeft(64).add(unsigned(lo));
        BigInteger r = n.sqrt();
        assertEquals(r, unsigned(root));
        BigInteger rem = n.subtract(r.multiply(r));
        assertEquals(rem, unsigned(w.rem).add(w.remCarry ? BigInteger.ONE.shiftLeft(64) : BigInteger.ZERO));
    }

    @Provide
    Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(Arbitraries.doubles(), Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE,
                Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 1.0, -1.0, 0x1p-1000, 0x1.fffffffffffffp-1023, 3.0),
                Arbitraries.longs().map(Double::longBitsToDouble));
    }

    /** {bits, flags} of the soft-float path. */
    private static long[] soft(int op, long a, long b, int fmt) {
        SoftFloat s = new SoftFloat();
        s.useMxcsr(Mxcsr.DEFAULT);
        s.loadA(fmt, op == SimdMath.SQRT ? b : a);
        s.loadB(fmt, b);
        switch (op) {
            case SimdMath.ADD -> FloatArith.add(s, fmt, false);
            case SimdMath.SUB -> FloatArith.add(s, fmt, true);
            case SimdMath.MUL -> FloatArith.multiply(s, fmt);
            case SimdMath.DIV -> FloatArith.divide(s, fmt);
            default -> FloatArith.sqrt(s, fmt);
        }
        return new long[] {s.bits, s.flags};
    }

    private static long reference(int op, double a, double b) {
        double r = switch (op) {
            case SimdMath.ADD -> a + b;
            case SimdMath.SUB -> a - b;
            case SimdMath.MUL -> a * b;
            case SimdMath.DIV -> a / b;
            default -> Math.sqrt(b);
        };
        return Double.doubleToRawLongBits(r);
    }

    @Property(tries = 5000)
    void doubleArithmeticIsIeeeRoundToNearest(@ForAll("doubles") double a, @ForAll("doubles") double b) {
        for (int op : new int[] {SimdMath.ADD, SimdMath.SUB, SimdMath.MUL, SimdMath.DIV, SimdMath.SQRT}) {
            long expected = reference(op, a, b);
            if (Double.isNaN(Double.longBitsToDouble(expected))) {
                continue;
            }
            long got = soft(op, Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(b), SoftFloat.F64)[0];
            assertEquals(Long.toHexString(expected), Long.toHexString(got), op + " " + a + " " + b);
        }
    }

    @Property(tries = 5000)
    void floatArithmeticIsIeeeRoundToNearest(@ForAll int a, @ForAll int b) {
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        float[] expected = {x + y, x - y, x * y, x / y, (float) Math.sqrt(y)};
        int[] ops = {SimdMath.ADD, SimdMath.SUB, SimdMath.MUL, SimdMath.DIV, SimdMath.SQRT};
        for (int k = 0; k < ops.length; k++) {
            if (Float.isNaN(expected[k])) {
                continue;
            }
            long got = soft(ops[k], a & 0xFFFF_FFFFL, b & 0xFFFF_FFFFL, SoftFloat.F32)[0];
            assertEquals(Integer.toHexString(Float.floatToRawIntBits(expected[k])), Integer.toHexString((int) got),
                    ops[k] + " " + x + " " + y);
        }
    }

    /** The host-arithmetic fast path gives the same bits and flags as the soft-float. */
    @Property(tries = 5000)
    void fastPathAgreesWithSoftFloat(@ForAll("doubles") double a, @ForAll("doubles") double b, @ForAll int fa,
            @ForAll int fb) {
        for (int op : new int[] {SimdMath.ADD, SimdMath.SUB, SimdMath.MUL, SimdMath.DIV, SimdMath.SQRT}) {
            SoftFloat s = new SoftFloat();
            s.useMxcsr(Mxcsr.DEFAULT);
            long r = SimdMath.apply(s, SoftFloat.F64, op, Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(b));
            long[] soft = soft(op, Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(b), SoftFloat.F64);
            assertEquals(soft[0], r, op + " " + a + " " + b);
            assertEquals(soft[1], s.flags, "flags of " + op + " " + a + " " + b);
            s.useMxcsr(Mxcsr.DEFAULT);
            long r32 = SimdMath.apply(s, SoftFloat.F32, op, fa & 0xFFFF_FFFFL, fb & 0xFFFF_FFFFL);
            long[] soft32 = soft(op, fa & 0xFFFF_FFFFL, fb & 0xFFFF_FFFFL, SoftFloat.F32);
            assertEquals(soft32[0], r32, op + " " + fa + " " + fb);
            assertEquals(soft32[1], s.flags, "flags of " + op + " " + fa + " " + fb);
        }
    }
}
