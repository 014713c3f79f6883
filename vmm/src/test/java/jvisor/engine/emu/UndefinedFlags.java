package jvisor.engine.emu;

import java.util.Set;

/**
 * What the Intel SDM (and AMD's APM, which agrees on these) leaves undefined for each instruction
 * of the differential tests' catalogs: the status flags, and the one undefined result (SHLD/SHRD
 * of a 16-bit operand by more than 16). The emulator reproduces AMD's choices there; another
 * vendor's processor may choose differently, so {@link HostComparison} leaves these parts out
 * on such hosts. Also what each instruction reads and certainly defines, so that a later
 * instruction can be seen to read an undefined flag or to redefine it.
 *
 * <p>A count of -1 means not known before the run (a CL count whose value an earlier instruction
 * may have changed): every count is then possible, including 0, which leaves the flags as they were.
 */
final class UndefinedFlags {
    static final long CF = 0x1;
    static final long PF = 0x4;
    static final long AF = 0x10;
    static final long ZF = 0x40;
    static final long SF = 0x80;
    static final long OF = 0x800;
    static final long STATUS = CF | PF | AF | ZF | SF | OF;

    private UndefinedFlags() { }

    /** Flags an instruction may read, flags it certainly sets to defined values, flags it may leave undefined. */
    record Effect(long reads, long defines, long undefines, boolean resultUndefined) {
        static final Effect NONE = new Effect(0, 0, 0, false);

        static Effect defines(long flags) {
            return new Effect(0, flags, 0, false);
        }

        static Effect reads(long flags) {
            return new Effect(flags, 0, 0, false);
        }

        static Effect partly(long defines, long undefines) {
            return new Effect(0, defines, undefines, false);
        }

        Effect alsoReads(long flags) {
            return new Effect(reads | flags, defines, undefines, resultUndefined);
        }
    }

    /** Instructions that neither read nor write the status flags. */
    private static final Set<String> NEUTRAL = Set.of("mov", "movabs", "movzx", "movsx", "movsxd", "movbe", "lea",
            "xchg", "not", "bswap", "push", "pushw", "pop", "enter", "enterw", "leave", "call", "ret", "jmp", "jrcxz",
            "jecxz", "loop", "cbw", "cwde", "cdqe", "cwd", "cdq", "cqo", "xlat", "nop", "pause", "prefetcht0",
            "clflush", "lfence", "mfence", "sfence", "cld", "std", "mulx", "rorx", "sarx", "shlx", "shrx", "pdep",
            "pext", "movsb", "movsw", "movsd", "movsq", "stosb", "stosw", "stosd", "stosq", "lodsb", "lodsw",
            "lodsd", "lodsq", "cpuid");

    /** The effect of {@code i} with shift or rotate count {@code count} (-1: unknown). */
    static Effect of(AsmInstruction i, long count) {
        String m = i.mnemonic();
        if (i.isLabelOnly() || NEUTRAL.contains(m)) {
            return Effect.NONE;
        }
        if (i.isDirective()) {
            // Raw bytes: could be anything that reads flags (a Jcc); they define none we know of.
            return Effect.reads(STATUS);
        }
        Effect e = switch (m) {
            case "add", "sub", "cmp", "neg", "xadd", "cmpxchg", "popcnt", "popf", "popfq" -> Effect.defines(STATUS);
            case "adc", "sbb" -> Effect.defines(STATUS).alsoReads(CF);
            case "inc", "dec" -> Effect.defines(STATUS & ~CF);
            case "cmpsb", "cmpsw", "cmpsd", "cmpsq", "scasb", "scasw", "scasd", "scasq" -> Effect.defines(STATUS);
            case "and", "or", "xor", "test" -> Effect.partly(STATUS & ~AF, AF);
            case "mul", "imul" -> Effect.partly(CF | OF, SF | ZF | AF | PF);
            case "div", "idiv" -> Effect.partly(0, STATUS);
            case "bt", "bts", "btr", "btc" -> Effect.partly(CF, OF | SF | AF | PF);
            case "bsf", "bsr" -> Effect.partly(ZF, CF | OF | SF | AF | PF);
            case "lzcnt", "tzcnt" -> Effect.partly(CF | ZF, OF | SF | AF | PF);
            case "andn" -> Effect.partly(SF | ZF | OF | CF, AF | PF);
            case "bextr" -> Effect.partly(ZF | CF | OF, AF | SF | PF);
            case "blsi", "blsmsk", "blsr", "bzhi" -> Effect.partly(SF | ZF | CF | OF, AF | PF);
            case "shl", "sal", "shr", "sar" -> shift(m, i.width(0), count);
            case "rol", "ror", "rcl", "rcr" -> rotate(m, i.width(0), count);
            case "shld", "shrd" -> doubleShift(i.width(0), count);
            case "sahf" -> Effect.defines(SF | ZF | AF | PF | CF);
            case "clc", "stc" -> Effect.defines(CF);
            case "cmc" -> Effect.defines(CF).alsoReads(CF);
            case "cmpxchg8b", "cmpxchg16b" -> Effect.defines(ZF);
            case "lahf" -> Effect.reads(SF | ZF | AF | PF | CF);
            case "pushf", "pushfq" -> Effect.reads(STATUS);
            case "loope", "loopz", "loopne", "loopnz" -> Effect.reads(ZF);
            default -> conditional(m);
        };
        // A repeated compare may run no iteration (RCX = 0) and leave the flags as they were.
        return i.repeated() ? new Effect(e.reads(), 0, e.undefines(), e.resultUndefined()) : e;
    }

    private static Effect conditional(String m) {
        String cc = m.startsWith("cmov") ? m.substring(4) : m.startsWith("set") ? m.substring(3)
                : m.startsWith("j") ? m.substring(1) : null;
        long reads = cc == null ? -1 : condition(cc);
        if (reads < 0) {
            throw new IllegalArgumentException("no flag effect known for " + m);
        }
        return Effect.reads(reads);
    }

    /** The flags condition {@code cc} tests; -1 if it is no condition. */
    static long condition(String cc) {
        return switch (cc) {
            case "o", "no" -> OF;
            case "b", "c", "nae", "ae", "nb", "nc" -> CF;
            case "e", "z", "ne", "nz" -> ZF;
            case "be", "na", "a", "nbe" -> CF | ZF;
            case "s", "ns" -> SF;
            case "p", "pe", "np", "po" -> PF;
            case "l", "nge", "ge", "nl" -> SF | OF;
            case "le", "ng", "g", "nle" -> ZF | SF | OF;
            default -> -1;
        };
    }

    private static long masked(long count, int width) {
        return count & (width == 64 ? 63 : 31);
    }

    /**
     * SHL/SHR/SAR: AF for any shift; OF unless the masked count is 1; CF of SHL/SHR once the
     * count reaches the operand's width (possible for 8- and 16-bit operands). Count 0: no change.
     */
    private static Effect shift(String m, int width, long count) {
        boolean logical = !m.equals("sar");
        if (count < 0) {
            return Effect.partly(0, AF | OF | (logical && width <= 16 ? CF : 0));
        }
        long n = masked(count, width);
        if (n == 0) {
            return Effect.NONE;
        }
        long cf = logical && n >= width ? CF : 0;
        return Effect.partly((SF | ZF | PF | CF | (n == 1 ? OF : 0)) & ~cf, AF | (n == 1 ? 0 : OF) | cf);
    }

    /** ROL/ROR/RCL/RCR: OF unless the masked count is 1; count 0 changes nothing. RCL/RCR read CF. */
    private static Effect rotate(String m, int width, long count) {
        boolean throughCarry = m.startsWith("rc");
        long reads = throughCarry ? CF : 0;
        if (count < 0) {
            return Effect.partly(0, OF).alsoReads(reads);
        }
        long n = masked(count, width);
        if (n == 0) {
            return Effect.reads(reads);
        }
        // RCL/RCR of 8 and 16 bits rotate by n mod 9 or 17: a whole turn leaves CF as it was.
        boolean cfWritten = !throughCarry || width > 16 || n % (width + 1) != 0;
        return Effect.partly((cfWritten ? CF : 0) | (n == 1 ? OF : 0), n == 1 ? 0 : OF).alsoReads(reads);
    }

    /**
     * SHLD/SHRD: AF for any shift, OF unless the count is 1; a count above the operand's width
     * (16-bit operands only) leaves the result and every flag undefined.
     */
    private static Effect doubleShift(int width, long count) {
        if (count < 0) {
            return width == 16 ? new Effect(0, 0, STATUS, true) : Effect.partly(0, AF | OF);
        }
        long n = masked(count, width);
        if (n == 0) {
            return Effect.NONE;
        }
        if (n > width) {
            return new Effect(0, 0, STATUS, true);
        }
        return Effect.partly(CF | SF | ZF | PF | (n == 1 ? OF : 0), AF | (n == 1 ? 0 : OF));
    }
}
