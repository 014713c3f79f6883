package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Flags;

/**
 * Condition codes (Jcc, SETcc, CMOVcc): one call to the {@link Flags} method for that condition,
 * which after a CMP or TEST in the same region HotSpot reduces to a comparison of its operands.
 */
final class Conditions {
    private static final MethodTypeDesc MTD_TEST = MethodTypeDesc.of(CD_boolean);
    /** The {@link Flags} method for each condition pair (O, B, Z, BE, S, P, L, LE). */
    private static final String[] TESTS = {"of", "below", "zf", "belowOrEqual", "sf", "pf", "less", "lessOrEqual"};

    private Conditions() { }

    /** Pushes the condition's test without its negation (an int, 0 or 1). */
    private static void test(RegionFrame f, int cc) {
        f.code.aload(RegionFrame.FLAGS).invokevirtual(RegionFrame.CD_FLAGS, TESTS[cc >> 1], MTD_TEST);
    }

    /** Jumps to {@code target} if condition {@code cc} holds; falls through otherwise. */
    static void jumpIf(RegionFrame f, int cc, Label target) {
        test(f, cc);
        if ((cc & 1) != 0) {
            f.code.ifeq(target);
        } else {
            f.code.ifne(target);
        }
    }

    /** Pushes condition {@code cc} as a long 0 or 1. */
    static void value(RegionFrame f, int cc) {
        CodeBuilder code = f.code;
        test(f, cc);
        if ((cc & 1) != 0) {
            code.iconst_1().ixor();
        }
        code.i2l();
    }
}
