package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.CD_MMU;
import static jvisor.engine.emu.region.RegionFrame.EXIT_RIP;
import static jvisor.engine.emu.region.RegionFrame.LIN;
import static jvisor.engine.emu.region.RegionFrame.MMU;
import static jvisor.engine.emu.region.RegionFrame.T0;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Insn;

/**
 * The stack and the near branches in 64-bit mode: PUSH and POP of 64-bit values, Jcc, JMP and
 * CALL to a direct target (a jump inside the region when the target is one of its blocks),
 * RET and the indirect JMP and CALL (which leave the region for their run-time target). The
 * checks are the handlers': a stack slot that is not canonical raises #SS(0), a target that is
 * not canonical #GP(0), before anything changes.
 */
final class ControlForms {
    private static final MethodTypeDesc MTD_READ_LONG = MethodTypeDesc.of(CD_long, CD_long);

    private ControlForms() { }

    private static boolean plain(Insn x) {
        return x.mode64() && !x.hasPrefix(Insn.P_LOCK) && !x.hasPrefix(Insn.P_VEX);
    }

    private static boolean canonical(long v) {
        return (v << 16 >> 16) == v;
    }

    /** PUSH/POP of a 64-bit value, compiled in the middle of a block. */
    static boolean supportsStack(Insn x) {
        return plain(x) && x.opSize() == 8 && isPushOrPop(x);
    }

    /** PUSH or POP of a register, PUSH of an immediate or of r/m (not POP r/m). */
    static boolean isPushOrPop(Insn x) {
        int op = x.opcode();
        return (op >= 0x50 && op <= 0x5F) || op == 0x68 || op == 0x6A || (op == 0xFF && x.sub() == 6);
    }

    /** A branch that ends a block and is compiled here. */
    static boolean supportsBranch(Insn x) {
        if (!plain(x)) {
            return false;
        }
        int op = x.opcode();
        if ((op >= 0x70 && op <= 0x7F) || (op >= 0x0F80 && op <= 0x0F8F) || op == 0xEB || op == 0xE9 || op == 0xE8) {
            return canonical(x.imm2());
        }
        return op == 0xC3 || op == 0xC2 || (op == 0xFF && (x.sub() == 2 || x.sub() == 4) && x.opSize() == 8);
    }

    static void emitStack(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int op = x.opcode();
        e.mayFault();
        if (op >= 0x58 && op <= 0x5F) {
            pop(e);
            f.storeReg(x.reg(), 8, () -> code.lload(T0));
            return;
        }
        if (op == 0xFF && x.rm() < 0) {
            Memory.read(f, x, 8, false);
        } else if (op == 0xFF) {
            f.loadReg(x.rm(), 8);
        } else if (op == 0x68 || op == 0x6A) {
            code.loadConstant(x.imm());
        } else {
            f.loadReg(x.reg(), 8);
        }
        code.lstore(T0);
        push(e);
        e.leaveIfCodeWritten();
    }

    /**
     * Pushes long local T0: the slot is checked and written before RSP moves. Leaves on the stack
     * whether the write hit decoded code.
     */
    private static void push(RegionEmitter e) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        f.loadReg64(Cpu.RSP);
        code.loadConstant(8L).lsub().lstore(LIN);
        checkStackSlot(e);
        Memory.write(f, LIN, T0, 8);
        code.lload(LIN);
        f.storeReg64(Cpu.RSP);
    }

    /** Pops into long local T0: the slot is read first, then RSP moves. */
    private static void pop(RegionEmitter e) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        f.loadReg64(Cpu.RSP);
        code.lstore(LIN);
        checkStackSlot(e);
        code.aload(MMU).lload(LIN).invokevirtual(CD_MMU, "read64", MTD_READ_LONG).lstore(T0);
        code.lload(LIN).loadConstant(8L).ladd();
        f.storeReg64(Cpu.RSP);
    }

    /**
     * #SS(0) unless the 8 bytes at LIN are canonical at both ends: LIN + 2^47 must be below
     * 2^48 - 7, one unsigned comparison.
     */
    private static void checkStackSlot(RegionEmitter e) {
        CodeBuilder code = e.frame().code;
        code.lload(LIN).loadConstant(1L << 47).ladd().loadConstant(Long.MIN_VALUE).lxor()
                .loadConstant(((1L << 48) - 7) ^ Long.MIN_VALUE).lcmp();
        code.ifge(e.raiseOutOfLine(Vectors.SS));
    }

    /** #GP(0) unless the long in local {@code local} is a canonical address. */
    private static void checkTarget(RegionEmitter e, int local) {
        CodeBuilder code = e.frame().code;
        code.lload(local).bipush(16).lshl().bipush(16).lshr().lload(local).lcmp();
        code.ifne(e.raiseOutOfLine(Vectors.GP));
    }

    /** Emits the block's last instruction, a supported branch, and where it goes. */
    static void emitBranch(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int op = x.opcode();
        if ((op >= 0x70 && op <= 0x7F) || (op >= 0x0F80 && op <= 0x0F8F)) {
            e.completeBlock();
            Label taken = code.newLabel();
            Conditions.jumpIf(e, op & 0xF, taken);
            e.edge(x.nextRip());
            code.labelBinding(taken);
            e.edge(x.imm2());
            return;
        }
        switch (op) {
            case 0xEB, 0xE9 -> {
                e.completeBlock();
                e.edge(x.imm2());
            }
            case 0xE8 -> {
                e.mayFault();
                code.loadConstant(x.nextRip()).lstore(T0);
                push(e);
                e.completeBlock();
                code.ifne(e.exitTo(x.imm2()));
                e.edge(x.imm2());
            }
            case 0xC3, 0xC2 -> {
                e.mayFault();
                f.loadReg64(Cpu.RSP);
                code.lstore(LIN);
                checkStackSlot(e);
                code.aload(MMU).lload(LIN).invokevirtual(CD_MMU, "read64", MTD_READ_LONG).lstore(EXIT_RIP);
                checkTarget(e, EXIT_RIP);
                code.lload(LIN).loadConstant(8L + (x.imm() & 0xFFFF)).ladd();
                f.storeReg64(Cpu.RSP);
                e.completeBlock();
                e.leave();
            }
            default -> {
                e.mayFault();
                if (x.rm() >= 0) {
                    f.loadReg(x.rm(), 8);
                } else {
                    Memory.read(f, x, 8, false);
                }
                code.lstore(EXIT_RIP);
                checkTarget(e, EXIT_RIP);
                if (x.sub() == 2) {
                    code.loadConstant(x.nextRip()).lstore(T0);
                    push(e);
                    code.pop();
                }
                e.completeBlock();
                e.leave();
            }
        }
    }
}
