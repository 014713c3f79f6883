package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static jvisor.engine.emu.region.RegionFrame.A;
import static jvisor.engine.emu.region.RegionFrame.B;
import static jvisor.engine.emu.region.RegionFrame.R;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Flags;

/**
 * Condition codes (Jcc, SETcc, CMOVcc). Where the block itself set the flags (a CMP, TEST, ADD,
 * SUB, logic operation, INC or DEC before the branch, the common case), the condition is a
 * comparison of that instruction's operands, which are still in locals; elsewhere it asks the
 * {@link Flags} object, which every instruction keeps current.
 */
final class Conditions {
    private static final MethodTypeDesc MTD_TEST = MethodTypeDesc.of(CD_boolean);
    /** The {@link Flags} method for each condition pair (O, B, Z, BE, S, P, L, LE). */
    private static final String[] TESTS = {"of", "below", "zf", "belowOrEqual", "sf", "pf", "less", "lessOrEqual"};

    private Conditions() { }

    /** How the int on the stack (a comparison's result against 0) decides: jump if it is ... */
    private enum Rel {
        EQ(Opcode.IFEQ), NE(Opcode.IFNE), LT(Opcode.IFLT), GE(Opcode.IFGE), GT(Opcode.IFGT), LE(Opcode.IFLE),
        /** Never: the condition is false whatever the operands (CF and OF after a logic operation). */
        NEVER(null);

        final Opcode jump;

        Rel(Opcode jump) {
            this.jump = jump;
        }

        Rel negate() {
            return switch (this) {
                case EQ -> NE;
                case NE -> EQ;
                case LT -> GE;
                case GE -> LT;
                case GT -> LE;
                case LE -> GT;
                case NEVER -> NEVER;
            };
        }
    }

    /** Jumps to {@code target} if condition {@code cc} holds; falls through otherwise. */
    static void jumpIf(RegionEmitter e, int cc, Label target) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        boolean negated = (cc & 1) != 0;
        Rel rel = known(f, e.flagsKnown(), cc >> 1);
        if (rel == null) {
            code.aload(RegionFrame.FLAGS).invokevirtual(RegionFrame.CD_FLAGS, TESTS[cc >> 1], MTD_TEST);
            code.branch(negated ? Opcode.IFEQ : Opcode.IFNE, target);
        } else if (rel == Rel.NEVER) {
            if (negated) {
                code.goto_(target);
            }
        } else {
            code.branch((negated ? rel.negate() : rel).jump, target);
        }
    }

    /** Pushes condition {@code cc} as a long 0 or 1. */
    static void value(RegionEmitter e, int cc) {
        CodeBuilder code = e.frame().code;
        Label one = code.newLabel();
        Label done = code.newLabel();
        jumpIf(e, cc, one);
        code.lconst_0().goto_(done).labelBinding(one).lconst_1().labelBinding(done);
    }

    /**
     * For flags known to come from an operation of {@code kind} on locals A, B (result R), pushes
     * an int whose relation to 0 is condition pair {@code pair}, and says which; null where the
     * {@link Flags} object must answer.
     */
    private static Rel known(RegionFrame f, int kind, int pair) {
        CodeBuilder code = f.code;
        boolean sub = kind == Flags.SUB;
        boolean logic = kind == Flags.LOGIC;
        boolean result = sub || logic || kind == Flags.ADD || kind == Flags.INC || kind == Flags.DEC;
        switch (pair) {
            case 0 -> { // O
                if (logic) {
                    return Rel.NEVER;
                }
                if (sub || kind == Flags.ADD) {
                    // SUB: (a ^ b) & (a ^ r); ADD: (a ^ r) & (b ^ r); negative when it overflowed.
                    code.lload(A).lload(sub ? B : R).lxor().lload(sub ? A : B).lload(R).lxor().land().lconst_0().lcmp();
                    return Rel.LT;
                }
                return null;
            }
            case 1 -> { // B: CF
                if (logic) {
                    return Rel.NEVER;
                }
                if (sub) {
                    unsignedCompare(code, A, B);
                    return Rel.LT;
                }
                if (kind == Flags.ADD) {
                    unsignedCompare(code, R, A);
                    return Rel.LT;
                }
                return null;
            }
            case 2 -> { // Z
                if (sub) {
                    code.lload(A).lload(B).lcmp();
                    return Rel.EQ;
                }
                if (result) {
                    code.lload(R).lconst_0().lcmp();
                    return Rel.EQ;
                }
                return null;
            }
            case 3 -> { // BE: CF or ZF
                if (sub) {
                    unsignedCompare(code, A, B);
                    return Rel.LE;
                }
                if (logic) {
                    code.lload(R).lconst_0().lcmp();
                    return Rel.EQ;
                }
                return null;
            }
            case 4 -> { // S
                if (result) {
                    code.lload(R).lconst_0().lcmp();
                    return Rel.LT;
                }
                return null;
            }
            case 6 -> { // L: SF != OF
                if (sub) {
                    code.lload(A).lload(B).lcmp();
                    return Rel.LT;
                }
                if (logic) {
                    code.lload(R).lconst_0().lcmp();
                    return Rel.LT;
                }
                return null;
            }
            case 7 -> { // LE: ZF or SF != OF
                if (sub) {
                    code.lload(A).lload(B).lcmp();
                    return Rel.LE;
                }
                if (logic) {
                    code.lload(R).lconst_0().lcmp();
                    return Rel.LE;
                }
                return null;
            }
            default -> {
                return null; // P: rare enough to ask the flags
            }
        }
    }

    /**
     * Whether condition pair {@code pair} after an operation of {@code kind} is a comparison of
     * locals A, B and R ({@link #known} answers it) rather than a question to the {@link Flags}
     * object.
     */
    static boolean answers(int kind, int pair) {
        boolean sub = kind == Flags.SUB;
        boolean logic = kind == Flags.LOGIC;
        boolean result = sub || logic || kind == Flags.ADD || kind == Flags.INC || kind == Flags.DEC;
        return switch (pair) {
            case 0, 1 -> sub || logic || kind == Flags.ADD;
            case 2, 4 -> result;
            case 3, 6, 7 -> sub || logic;
            default -> false;
        };
    }

    /** Pushes the unsigned comparison of long locals {@code x} and {@code y} (-1, 0, 1). */
    private static void unsignedCompare(CodeBuilder code, int x, int y) {
        code.lload(x).loadConstant(Long.MIN_VALUE).lxor().lload(y).loadConstant(Long.MIN_VALUE).lxor().lcmp();
    }
}
