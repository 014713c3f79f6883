package jvisor.engine.emu;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Field-by-field comparison of two FXSAVE64 images (host vs emulator), naming the field that
 * differs. Exact by default; a {@link Tolerance} allows the x87 registers a distance in units in
 * the last place and ignores C1 (its rounding indication) where the host's transcendental
 * instructions are only accurate to within an ulp.
 */
public final class FpuImage {
    private FpuImage() { }

    /**
     * How far apart two states may be and still agree. With {@code acrossBinades} the distance
     * counts the representable values between two x87 results (1.0 and the largest value below it
     * are one apart); without, it is the difference of their encodings, which overstates it
     * across a power of two.
     */
    public record Tolerance(int stUlps, boolean ignoreC1, boolean ignorePointers, boolean acrossBinades) {
        public Tolerance(int stUlps, boolean ignoreC1, boolean ignorePointers) {
            this(stUlps, ignoreC1, ignorePointers, false);
        }
    }

    public static final Tolerance EXACT = new Tolerance(0, false, false);

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static String diff(byte[] host, byte[] emu, Tolerance t) {
        ByteBuffer a = le(host);
        ByteBuffer b = le(emu);
        StringBuilder sb = new StringBuilder();
        field(sb, "fcw", a.getShort(0) & 0xFFFF, b.getShort(0) & 0xFFFF);
        int swMask = t.ignoreC1() ? ~(1 << 9) : ~0;
        field(sb, "fsw", a.getShort(2) & 0xFFFF & swMask, b.getShort(2) & 0xFFFF & swMask);
        field(sb, "ftw", a.get(4) & 0xFF, b.get(4) & 0xFF);
        // AMD stores FOP/FIP/FDP only while an exception is pending (ES set).
        boolean pointers = !t.ignorePointers() && (a.getShort(2) & 0x80) != 0;
        if (pointers) {
            field(sb, "fop", a.getShort(6) & 0x7FF, b.getShort(6) & 0x7FF);
            field(sb, "fip", a.getLong(8), b.getLong(8));
            field(sb, "fdp", a.getLong(16), b.getLong(16));
        }
        field(sb, "mxcsr", a.getInt(24), b.getInt(24));
        for (int i = 0; i < 8; i++) {
            int at = 32 + 16 * i;
            long sa = a.getLong(at);
            long sb2 = b.getLong(at);
            int ea = a.getShort(at + 8) & 0xFFFF;
            int eb = b.getShort(at + 8) & 0xFFFF;
            boolean close = t.acrossBinades() ? valuesApart(ea, sa, eb, sb2) <= t.stUlps()
                    : t.stUlps() > 0 && close(ea, sa, eb, sb2, t.stUlps());
            if ((sa != sb2 || ea != eb) && !close) {
                sb.append(String.format("st%d: %04x %016x vs %04x %016x%n", i, ea, sa, eb, sb2));
            }
        }
        for (int i = 0; i < 16; i++) {
            int at = 160 + 16 * i;
            if (a.getLong(at) != b.getLong(at) || a.getLong(at + 8) != b.getLong(at + 8)) {
                sb.append(String.format("xmm%d: %016x%016x vs %016x%016x%n", i, a.getLong(at + 8), a.getLong(at),
                        b.getLong(at + 8), b.getLong(at)));
            }
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, long a, long b) {
        if (a != b) {
            sb.append(String.format("%s: %x vs %x (differ %x)%n", name, a, b, a ^ b));
        }
    }

    /**
     * How many representable steps apart two finite 80-bit values of the same sign are (normal or
     * denormal); Long.MAX_VALUE for any other pair. Without the explicit integer bit, exponent and
     * fraction count the values of one sign in order.
     */
    static long valuesApart(int ea, long sa, int eb, long sb) {
        if ((ea & 0x8000) != (eb & 0x8000) || !ordinary(ea, sa) || !ordinary(eb, sb)) {
            return ea == eb && sa == sb ? 0 : Long.MAX_VALUE;
        }
        BigInteger x = BigInteger.valueOf(ea & 0x7FFF).shiftLeft(63).add(BigInteger.valueOf(sa & Long.MAX_VALUE));
        BigInteger y = BigInteger.valueOf(eb & 0x7FFF).shiftLeft(63).add(BigInteger.valueOf(sb & Long.MAX_VALUE));
        BigInteger d = x.subtract(y).abs();
        return d.bitLength() < 63 ? d.longValue() : Long.MAX_VALUE;
    }

    /** A finite value whose integer bit agrees with its exponent (no unnormal, pseudo-denormal, infinity or NaN). */
    private static boolean ordinary(int e, long s) {
        int exp = e & 0x7FFF;
        return exp != 0x7FFF && (exp == 0) == (s >= 0);
    }

    /** Whether two 80-bit values of the same sign are within {@code ulps} units in the last place. */
    static boolean close(int ea, long sa, int eb, long sb, int ulps) {
        if ((ea & 0x8000) != (eb & 0x8000) || (ea & 0x7FFF) == 0x7FFF || (eb & 0x7FFF) == 0x7FFF) {
            return false;
        }
        BigInteger x = BigInteger.valueOf(ea & 0x7FFF).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(sa)));
        BigInteger y = BigInteger.valueOf(eb & 0x7FFF).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(sb)));
        // Within one binade the encoding is linear in the value; across a binade boundary this
        // overestimates the distance, which only makes the comparison stricter.
        return x.subtract(y).abs().compareTo(BigInteger.valueOf(ulps)) <= 0;
    }
}
