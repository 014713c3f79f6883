package jvisor.engine.emu.region;

import java.util.function.LongFunction;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.Moves;

/**
 * Whether the CF and OF an instruction writes can ever be seen. They cannot when, later in the
 * same block, an instruction that overwrites both comes before anything that reads a flag; then
 * a region computes a rotate, a shift or a register-destination ALU operation without its flags.
 * SHA-256 and ChaCha, which Linux runs for every module signature and random number, are rotates
 * followed by XOR or ADD: materialising the six lazy flags for each rotate was the largest single
 * cost of loading modules. Where a fault (an exception frame holds RFLAGS) or an exit could come
 * on the way, the region records how to set the flags instead ({@link RegionFrame#PENDING}).
 *
 * <p>Only forms known exactly are judged: register-only moves, LEA, zero and sign extension,
 * BSWAP and the NOPs pass through, and so do MOV loads and stores, which may fault; register-only
 * ALU operations (not ADC and SBB, which read CF), TEST, NEG, IMUL and rotates and shifts by a
 * non-zero immediate overwrite, and so do ALU operations into a register from memory, CMP and
 * TEST with a memory operand, which may fault first. Anything else counts as a reader.
 */
final class FlagLiveness {
    private FlagLiveness() { }

    /**
     * The index of the instruction that overwrites the flags {@code block[at]} writes (CF and OF,
     * a rotate's, or with {@code all} the six arithmetic flags, a shift's, which a rotate does not
     * overwrite) before anything reads them, with nothing in between but moves
     * that cannot see them, memory loads and stores included; -1 if there is none. Only a fault
     * or a write into decoded code ({@link #seenOnTheWay}), which leaves the region, could then
     * see them on the way. With {@code all}, rotates and IMULs on the way (which overwrite CF and
     * OF and read nothing) are passed where nothing from the first of them on can see the flags:
     * between one rotate's and the next write of all six there is no state in which the other
     * four could be seen.
     * SHA-256's XOR or ADD, MOV, ROR, XOR: the first XOR's flags were computed for nothing.
     */
    static int overwrittenAt(Insn[] block, int at, boolean all) {
        int firstRotate = -1;
        for (int k = at + 1; k < block.length; k++) {
            Insn y = block[k];
            if (!y.mode64() || y.hasPrefix(Insn.P_LOCK) || y.hasPrefix(Insn.P_VEX)) {
                return -1;
            }
            if (overwritesCarryAndOverflow(y) || overwritesAfterReading(y)) {
                if (!all || !keepsTheOtherFlags(y)) {
                    // Before the first rotate a fault finds the flags as they were left: settled then.
                    return firstRotate >= 0 && seenOnTheWay(block, firstRotate, k) ? -1 : k;
                }
                if (firstRotate < 0) {
                    firstRotate = k;
                }
                continue;
            }
            if (!passesFlagsThrough(y) && !movesMemory(y)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The position of the instruction before a block's closing Jcc whose flags nothing sees but
     * that Jcc, which a region computes from the instruction's operands: each of the Jcc's two
     * successors either leaves the region (where the region sets the flags on its way out) or
     * is a block of it ({@code blockAt}, null for none) that overwrites them before reading any
     * (after moves only, which a fault could interrupt: it sets them too); -1 if there is none.
     * In a loop that ends with CMP and Jcc (crc32's), the CMP's four stores into the lazy flags
     * were most of what the loop did besides its loads.
     */
    static int deadAcrossBlocks(Insn[] block, LongFunction<Insn[]> blockAt) {
        Insn jcc = block[block.length - 1];
        int op = jcc.opcode();
        if (!(op >= 0x70 && op <= 0x7F || op >= 0x0F80 && op <= 0x0F8F) || !ControlForms.supportsBranch(jcc)) {
            return -1;
        }
        int p = block.length - 2;
        // Register moves between the flags and the Jcc leave the operands' locals alone.
        while (p >= 0 && passesFlagsThrough(block[p]) && DataForms.supports(block[p])) {
            p--;
        }
        if (p < 0 || !DataForms.supports(block[p])
                || !(overwritesCarryAndOverflow(block[p]) || overwritesAfterReading(block[p]))) {
            return -1;
        }
        for (long rip : new long[] {jcc.nextRip(), jcc.imm2()}) {
            Insn[] next = blockAt.apply(rip);
            if (next != null && overwrittenAt(next, -1, true) < 0) {
                return -1;
            }
        }
        return p;
    }

    /**
     * Whether nothing, not even a fault, can see the flags {@code block[at]} writes (CF and OF, or
     * with {@code all} all six): the block overwrites them first with nothing on the way that may
     * fault or leave the region.
     */
    static boolean unseen(Insn[] block, int at, boolean all) {
        int q = overwrittenAt(block, at, all);
        return q >= 0 && !seenOnTheWay(block, at, q);
    }

    /** Whether something from {@code block[at + 1]} to {@code block[q]} may fault or leave the region. */
    static boolean seenOnTheWay(Insn[] block, int at, int q) {
        for (int k = at + 1; k <= q; k++) {
            if (!passesFlagsThrough(block[k]) && !overwritesCarryAndOverflow(block[k])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes CF and OF (all six arithmetic flags unless it {@linkplain #keepsTheOtherFlags keeps
     * the other four}) without reading any, and cannot fault.
     */
    static boolean overwritesCarryAndOverflow(Insn y) {
        int op = y.opcode();
        boolean register = y.rm() >= 0;
        if (op < 0x40) {
            int alu = op >> 3;
            int form = op & 7;
            if (alu == 2 || alu == 3) { // ADC, SBB
                return false;
            }
            return form < 4 ? register : form < 6;
        }
        return switch (op) {
            case 0x80, 0x81, 0x83 -> register && y.sub() != 2 && y.sub() != 3;
            case 0x84, 0x85 -> register;
            case 0xA8, 0xA9 -> true;
            case 0xF6, 0xF7 -> register && (y.sub() == 0 || y.sub() == 3); // TEST, NEG
            case 0xD0, 0xD1 -> register && y.sub() != 2 && y.sub() != 3; // by 1; not RCL, RCR
            case 0xC0, 0xC1 -> register && y.sub() != 2 && y.sub() != 3 && (y.imm() & (y.opSize() == 8 ? 63 : 31)) != 0;
            case 0x0FAF, 0x69, 0x6B -> register; // IMUL: CF and OF only
            default -> false;
        };
    }

    /**
     * Reads a memory operand, which may fault, and only then writes all six arithmetic flags
     * without reading any; writes no memory: an ALU operation into a register from memory, CMP
     * and TEST with a memory operand. ({@link DataForms} reads the memory operand before it
     * touches the locals that hold the operands of the flags.)
     */
    static boolean overwritesAfterReading(Insn y) {
        if (y.rm() >= 0) {
            return false;
        }
        int op = y.opcode();
        if (op < 0x40) {
            int alu = op >> 3;
            int form = op & 7;
            return alu != 2 && alu != 3 && (form == 2 || form == 3 || alu == 7 && form < 2);
        }
        return switch (op) {
            case 0x80, 0x81, 0x83 -> y.sub() == 7;
            case 0x84, 0x85 -> true;
            default -> false;
        };
    }

    /** A rotate or IMUL: writes CF and OF and leaves SF, ZF, AF and PF as they were. */
    private static boolean keepsTheOtherFlags(Insn y) {
        int op = y.opcode();
        return (op == 0xC0 || op == 0xC1 || op == 0xD0 || op == 0xD1) && y.sub() <= 1
                || op == 0x0FAF || op == 0x69 || op == 0x6B;
    }

    /** Neither reads nor writes a flag, cannot fault and stays in the region. */
    static boolean passesFlagsThrough(Insn y) {
        if (y.op() == Moves.NOP) {
            return true; // the multi-byte NOPs compilers align loops with, too (0F 1F: no memory access)
        }
        int op = y.opcode();
        boolean register = y.rm() >= 0;
        return switch (op) {
            case 0x88, 0x89, 0x8A, 0x8B, 0x0FB6, 0x0FB7, 0x0FBE, 0x0FBF, 0x63 -> register;
            case 0xC6, 0xC7 -> register && y.sub() == 0;
            case 0x8D -> !register; // LEA computes an address and reads nothing (with a register operand it is #UD)
            default -> (op >= 0xB0 && op <= 0xBF) || (op >= 0x0FC8 && op <= 0x0FCF && y.opSize() >= 4);
        };
    }

    /**
     * A MOV, MOVZX, MOVSX or MOVSXD load from memory or a MOV store to it: neither reads nor
     * writes a flag, but may fault, and a store into decoded code leaves the region.
     */
    static boolean movesMemory(Insn y) {
        if (y.rm() >= 0) {
            return false;
        }
        return switch (y.opcode()) {
            case 0x88, 0x89, 0x8A, 0x8B, 0x0FB6, 0x0FB7, 0x0FBE, 0x0FBF, 0x63 -> true;
            case 0xC6, 0xC7 -> y.sub() == 0;
            default -> false;
        };
    }
}
