package jvisor.engine.emu.exec.sse;

import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeSpec;

/**
 * The mandatory prefix that selects among the forms sharing an SSE opcode: none, 66, F3 or F2.
 * F3/F2 win over 66 (and the last of F3/F2 over the other); a VEX prefix means AVX, which is not
 * implemented, so VEX encodings of these rows are #UD.
 */
final class Mandatory {
    private Mandatory() { }

    static final int NONE = 0;
    static final int P66 = 1;
    static final int F3 = 2;
    static final int F2 = 3;
    static final int VEX = -1;

    static int of(DecodedInsn i) {
        if (i.hasPrefix(Insn.P_VEX)) {
            return VEX;
        }
        if (i.hasPrefix(Insn.P_REP)) {
            return F3;
        }
        if (i.hasPrefix(Insn.P_REPNE)) {
            return F2;
        }
        return i.hasPrefix(Insn.P_OPSIZE) ? P66 : NONE;
    }

    /** A builder choosing one of four handlers (null = #UD) by mandatory prefix. */
    static OpcodeSpec.Builder pick(Op none, Op p66, Op f3, Op f2) {
        return i -> switch (of(i)) {
            case NONE -> none;
            case P66 -> p66;
            case F3 -> f3;
            case F2 -> f2;
            default -> null;
        };
    }

    /** Like {@link #pick} with builders, for forms that look at ModRM too. */
    static OpcodeSpec.Builder pickBuilt(OpcodeSpec.Builder none, OpcodeSpec.Builder p66, OpcodeSpec.Builder f3,
            OpcodeSpec.Builder f2) {
        return i -> {
            OpcodeSpec.Builder b = switch (of(i)) {
                case NONE -> none;
                case P66 -> p66;
                case F3 -> f3;
                case F2 -> f2;
                default -> null;
            };
            return b == null ? null : b.build(i);
        };
    }
}
