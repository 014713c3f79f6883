package jvisor.engine.emu.fpu;

/**
 * IEEE 754 binary floating point in software, for the three formats the processor has: single
 * (F32), double (F64) and x87 double-extended (F80, 64-bit significand with an explicit integer
 * bit). Every operation is computed exactly on a 128-bit significand and rounded once, in the
 * rounding mode and (for F80) to the precision the x87 control word or MXCSR asks for, setting
 * the exception flags the processor sets. Tininess is detected after rounding, as on x86.
 *
 * <p>One instance per processor: operands are loaded into {@link #a} and {@link #b}, results come
 * back in {@link #bits} (F32/F64) or {@link #se}/{@link #m} (F80), so nothing is allocated.
 */
public final class SoftFloat {
    public static final int IE = 1;
    public static final int DE = 1 << 1;
    public static final int ZE = 1 << 2;
    public static final int OE = 1 << 3;
    public static final int UE = 1 << 4;
    public static final int PE = 1 << 5;
    public static final int ALL = 0x3F;

    public static final int NEAREST = 0;
    public static final int DOWN = 1;
    public static final int UP = 2;
    public static final int TO_ZERO = 3;

    public static final int F32 = 0;
    public static final int F64 = 1;
    public static final int F80 = 2;

    /** The exponent shift x87 applies to a result that overflows or underflows with the exception unmasked. */
    static final int BIAS_ADJUST = 24576;
    private static final int[] EMIN = {-126, -1022, -16382};
    private static final int[] EMAX = {127, 1023, 16383};
    private static final int[] BIAS = {127, 1023, 16383};

    /** Rounding mode: {@link #NEAREST}, {@link #DOWN}, {@link #UP} or {@link #TO_ZERO}. */
    public int rounding;
    /** Significand bits of F80 results (the x87 precision control): 24, 53 or 64. */
    public int precision = 64;
    /** SSE: denormal operands read as zero. */
    public boolean daz;
    /** SSE: tiny results flush to zero when underflow is masked. */
    public boolean ftz;
    /** x87 rules: NaN selection by significand, bias-adjusted F80 results when over/underflow is unmasked. */
    public boolean x87;
    /** The masked exceptions (bit set = masked), in the flag layout. */
    public int masks = ALL;

    /** Exception flags raised since the caller last cleared them. */
    public int flags;
    /** The last rounding increased the magnitude (x87 C1). */
    public boolean roundedUp;
    /** The last F32 or F64 result. */
    public long bits;
    /** The last F80 result: sign and biased exponent. */
    public int se;
    /** The last F80 result: significand. */
    public long m;
    /** A second F80 result (FXTRACT's significand, FSINCOS's cosine, FPTAN's 1.0). */
    public int se2;
    public long m2;

    final Unpacked a = new Unpacked();
    final Unpacked b = new Unpacked();
    final Wide w = new Wide();
    final DoubleDouble dd = new DoubleDouble();

    /** Configures for an SSE operation from MXCSR. */
    public void useMxcsr(int mxcsr) {
        rounding = (mxcsr >>> 13) & 3;
        daz = (mxcsr & Mxcsr.DAZ) != 0;
        ftz = (mxcsr & Mxcsr.FZ) != 0;
        masks = (mxcsr >>> 7) & ALL;
        x87 = false;
        precision = 64;
        flags = 0;
        roundedUp = false;
    }

    /**
     * Configures for an x87 operation from the control word's rounding control and masks. The
     * precision starts at 64 bits: only the basic arithmetic honours precision control
     * ({@link #precisionControl}).
     */
    public void useControlWord(int fcw) {
        rounding = (fcw >>> 10) & 3;
        precision = 64;
        daz = false;
        ftz = false;
        masks = fcw & ALL;
        x87 = true;
        flags = 0;
        roundedUp = false;
    }

    /** The significand bits the x87 precision control (FCW bits 8-9) asks for: 24, 53 or 64. */
    public static int precisionControl(int fcw) {
        return switch ((fcw >>> 8) & 3) {
            case 0 -> 24;
            case 2 -> 53;
            default -> 64;
        };
    }

    // ---- operands ---------------------------------------------------------------------------------

    /** Loads an F32 (low 32 bits) or F64 operand into {@code u}; DAZ reads denormals as zeros. */
    void load(Unpacked u, int fmt, long v) {
        if (fmt == F32) {
            u.load32((int) v, daz);
        } else {
            u.load64(v, daz);
        }
    }

    /** Loads an F80 operand. */
    void load80(Unpacked u, int sexp, long sig) {
        u.load80(sexp, sig);
    }

    public void loadA(int fmt, long v) {
        load(a, fmt, v);
    }

    public void loadB(int fmt, long v) {
        load(b, fmt, v);
    }

    public void loadA80(int sexp, long sig) {
        load80(a, sexp, sig);
    }

    public void loadB80(int sexp, long sig) {
        load80(b, sexp, sig);
    }

    // ---- results -------------------------------------------------------------------------------

    void zero(int fmt, boolean sign) {
        encode(fmt, sign, 0, 0, fmt == F32 ? 24 : fmt == F64 ? 53 : 64);
    }

    void infinity(int fmt, boolean sign) {
        switch (fmt) {
            case F32 -> bits = (sign ? 0x8000_0000L : 0) | 0x7F80_0000L;
            case F64 -> bits = (sign ? Long.MIN_VALUE : 0) | 0x7FF0_0000_0000_0000L;
            default -> {
                se = (sign ? 0x8000 : 0) | 0x7FFF;
                m = 1L << 63;
            }
        }
    }

    /** The default NaN an invalid operation returns when IE is masked (the "indefinite"). */
    void invalid(int fmt) {
        flags |= IE;
        nan(fmt, true, 0xC000_0000_0000_0000L);
    }

    /** A quiet NaN with the left-aligned significand {@code sig}. */
    void nan(int fmt, boolean sign, long sig) {
        switch (fmt) {
            case F32 -> bits = (sign ? 0x8000_0000L : 0) | 0x7FC0_0000L | ((sig >>> 40) & 0x7F_FFFF);
            case F64 -> bits = (sign ? Long.MIN_VALUE : 0) | 0x7FF8_0000_0000_0000L | ((sig >>> 11) & 0xF_FFFF_FFFF_FFFFL);
            default -> {
                se = (sign ? 0x8000 : 0) | 0x7FFF;
                m = sig | 0xC000_0000_0000_0000L;
            }
        }
    }

    /**
     * The result when an operand is a NaN: SSE takes the first NaN; x87 prefers a quiet NaN to a
     * signaling one, then the larger significand.
     */
    void propagateNan(int fmt, Unpacked x, Unpacked y) {
        if (x.signaling || (y != null && y.signaling)) {
            flags |= IE;
        }
        Unpacked pick;
        if (y == null || !y.isNan()) {
            pick = x;
        } else if (!x.isNan()) {
            pick = y;
        } else if (!x87) {
            pick = x;
        } else if (x.signaling != y.signaling) {
            pick = x.signaling ? y : x;
        } else {
            int cmp = Long.compareUnsigned(x.sig, y.sig);
            pick = cmp > 0 || (cmp == 0 && !x.sign) ? x : y;
        }
        nan(fmt, pick.sign, pick.sig);
    }

    private void encode(int fmt, boolean sign, int exp, long kept, int p) {
        switch (fmt) {
            case F32 -> bits = (sign ? 0x8000_0000L : 0) | ((kept >>> 23) != 0 ? (long) (exp + 127) << 23 : 0)
                    | (kept & 0x7F_FFFF);
            case F64 -> bits = (sign ? Long.MIN_VALUE : 0) | ((kept >>> 52) != 0 ? (long) (exp + 1023) << 52 : 0)
                    | (kept & 0xF_FFFF_FFFF_FFFFL);
            default -> {
                m = kept << (64 - p);
                se = (sign ? 0x8000 : 0) | (m < 0 ? (exp + 16383) & 0x7FFF : 0);
            }
        }
    }

    private int precisionOf(int fmt) {
        return fmt == F32 ? 24 : fmt == F64 ? 53 : precision;
    }

    /** Whether rounding the normalized {@code hi:lo} to {@code p} bits carries out of them. */
    private boolean carriesOut(long hi, long lo, int p, boolean sign) {
        long kept = p == 64 ? hi : hi >>> (64 - p);
        long allOnes = p == 64 ? -1L : (1L << p) - 1;
        return kept == allOnes && roundsUp(hi, lo, p, sign, kept);
    }

    private boolean roundsUp(long hi, long lo, int p, boolean sign, long kept) {
        long rest = p == 64 ? lo : hi << p;
        boolean round = rest < 0;
        boolean sticky = (rest << 1) != 0 || (p != 64 && lo != 0);
        return switch (rounding) {
            case NEAREST -> round && (sticky || (kept & 1) != 0);
            case DOWN -> sign && (round || sticky);
            case UP -> !sign && (round || sticky);
            default -> false;
        };
    }

    /**
     * Rounds {@code sign * hi:lo * 2^(exp-127)} to {@code fmt} and stores it: the single rounding
     * step of every operation, with overflow, underflow (FTZ, denormalization, or the x87 bias
     * adjustment when unmasked) and the inexact flag.
     */
    void roundPack(int fmt, boolean sign, int exp, long hi, long lo) {
        if (hi == 0) {
            if (lo == 0) {
                zero(fmt, sign);
                roundedUp = false;
                return;
            }
            hi = lo;
            lo = 0;
            exp -= 64;
        }
        int nz = Long.numberOfLeadingZeros(hi);
        if (nz != 0) {
            hi = (hi << nz) | (lo >>> (64 - nz));
            lo <<= nz;
            exp -= nz;
        }
        int p = precisionOf(fmt);
        int emin = EMIN[fmt];
        boolean tiny = exp < emin - 1 || (exp == emin - 1 && !carriesOut(hi, lo, p, sign));
        boolean underflowMasked = (masks & UE) != 0;
        if (tiny) {
            if (!underflowMasked) {
                flags |= UE;
                if (x87 && fmt != F80) {
                    // An x87 store to a narrower format stops here: nothing is stored, no PE.
                    return;
                }
            }
            if (underflowMasked && ftz) {
                flags |= UE | PE;
                zero(fmt, sign);
                roundedUp = false;
                return;
            }
            if (!underflowMasked && x87 && fmt == F80) {
                if (exp + BIAS_ADJUST < emin) {
                    // Too small even for the bias adjustment: a zero, whatever the rounding.
                    flags |= PE;
                    zero(fmt, sign);
                    roundedUp = false;
                    return;
                }
                exp += BIAS_ADJUST;
            } else {
                w.shiftRightJam(hi, lo, emin - exp);
                hi = w.hi;
                lo = w.lo;
                exp = emin;
            }
        }
        long kept = p == 64 ? hi : hi >>> (64 - p);
        long rest = p == 64 ? lo : hi << p;
        boolean inexact = rest != 0 || (p != 64 && lo != 0);
        boolean up = roundsUp(hi, lo, p, sign, kept);
        if (up) {
            kept++;
            if (p == 64 ? kept == 0 : kept == 1L << p) {
                kept = 1L << (p - 1);
                exp++;
            }
        }
        roundedUp = up;
        if (inexact) {
            flags |= PE;
            if (tiny && underflowMasked) {
                flags |= UE;
            }
        }
        if (exp > EMAX[fmt]) {
            overflow(fmt, sign, exp, kept, p);
            return;
        }
        encode(fmt, sign, exp, kept, p);
    }

    private void overflow(int fmt, boolean sign, int exp, long kept, int p) {
        if ((masks & OE) == 0) {
            flags |= OE;
            if (x87 && fmt != F80) {
                flags &= ~PE;
                return;
            }
            if (!x87 || exp - BIAS_ADJUST <= EMAX[fmt]) {
                encode(fmt, sign, x87 ? exp - BIAS_ADJUST : EMAX[fmt], kept, p);
                return;
            }
            // Too large even for the bias adjustment: an infinity, whatever the rounding.
            flags |= PE;
            roundedUp = true;
            infinity(fmt, sign);
            return;
        }
        flags |= OE | PE;
        boolean toInfinity = rounding == NEAREST || (rounding == UP && !sign) || (rounding == DOWN && sign);
        roundedUp = toInfinity;
        if (toInfinity) {
            infinity(fmt, sign);
        } else {
            long max = p == 64 ? -1L : (1L << p) - 1;
            encode(fmt, sign, EMAX[fmt], max, p);
        }
    }

    /** Rounds a finite unpacked value into {@code fmt}. */
    void roundPack(int fmt, Unpacked u) {
        roundPack(fmt, u.sign, u.exp, u.sig, 0);
    }

    static int bias(int fmt) {
        return BIAS[fmt];
    }

    static int emin(int fmt) {
        return EMIN[fmt];
    }
}
