package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.CD_CPU;
import static jvisor.engine.emu.region.RegionFrame.CD_LONGS;
import static jvisor.engine.emu.region.RegionFrame.CD_MMU;
import static jvisor.engine.emu.region.RegionFrame.CD_OPS;
import static jvisor.engine.emu.region.RegionFrame.CPU;
import static jvisor.engine.emu.region.RegionFrame.EXIT_RIP;
import static jvisor.engine.emu.region.RegionFrame.MMU;
import static jvisor.engine.emu.region.RegionFrame.REGS;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.decode.Insn;

/**
 * The stack and the near branches in 64-bit mode: PUSH and POP of 64-bit values, Jcc, JMP and
 * CALL to a direct target (a jump inside the region when the target is one of its blocks),
 * RET and the indirect JMP and CALL (which leave the region for their run-time target). The
 * checks are the handlers': a stack address that is not canonical raises #SS(0), a target that
 * is not canonical #GP(0), before anything changes.
 */
final class ControlForms {
    private static final MethodTypeDesc MTD_PUSH = MethodTypeDesc.of(CD_boolean, CD_CPU, CD_LONGS, CD_MMU, CD_long);
    private static final MethodTypeDesc MTD_POP = MethodTypeDesc.of(CD_long, CD_CPU, CD_LONGS, CD_MMU);
    private static final MethodTypeDesc MTD_RET = MethodTypeDesc.of(CD_long, CD_CPU, CD_LONGS, CD_MMU, CD_int);
    private static final MethodTypeDesc MTD_TARGET = MethodTypeDesc.of(CD_long, CD_CPU, CD_long);

    private ControlForms() { }

    private static boolean plain(Insn x) {
        return x.mode64() && !x.hasPrefix(Insn.P_LOCK) && !x.hasPrefix(Insn.P_VEX);
    }

    private static boolean canonical(long v) {
        return (v << 16 >> 16) == v;
    }

    /** PUSH/POP of a 64-bit value, compiled in the middle of a block. */
    static boolean supportsStack(Insn x) {
        if (!plain(x) || x.opSize() != 8) {
            return false;
        }
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
            f.storeReg(x.reg(), 8, () -> code.aload(CPU).aload(REGS).aload(MMU).invokestatic(CD_OPS, "pop", MTD_POP));
            return;
        }
        push(f, () -> {
            if (op == 0xFF && x.rm() < 0) {
                Memory.read(f, x, 8);
            } else if (op == 0xFF) {
                f.loadReg(x.rm(), 8);
            } else if (op == 0x68 || op == 0x6A) {
                code.loadConstant(x.imm());
            } else {
                f.loadReg(x.reg(), 8);
            }
        });
        e.leaveIfCodeWritten();
    }

    /** Pushes what {@code value} pushes; leaves on the stack whether the write hit decoded code. */
    private static void push(RegionFrame f, Runnable value) {
        f.code.aload(CPU).aload(REGS).aload(MMU);
        value.run();
        f.code.invokestatic(CD_OPS, "push", MTD_PUSH);
    }

    /** Emits the block's last instruction, a supported branch, and where it goes. */
    static void emitBranch(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int op = x.opcode();
        if ((op >= 0x70 && op <= 0x7F) || (op >= 0x0F80 && op <= 0x0F8F)) {
            e.completeBlock();
            Label taken = code.newLabel();
            Conditions.jumpIf(f, op & 0xF, taken);
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
                push(f, () -> code.loadConstant(x.nextRip()));
                e.completeBlock();
                code.ifne(e.exitTo(x.imm2()));
                e.edge(x.imm2());
            }
            case 0xC3, 0xC2 -> {
                e.mayFault();
                code.aload(CPU).aload(REGS).aload(MMU).loadConstant((int) (x.imm() & 0xFFFF))
                        .invokestatic(CD_OPS, "ret", MTD_RET).lstore(EXIT_RIP);
                e.completeBlock();
                e.leave();
            }
            default -> {
                e.mayFault();
                code.aload(CPU);
                if (x.rm() >= 0) {
                    f.loadReg(x.rm(), 8);
                } else {
                    Memory.read(f, x, 8);
                }
                code.invokestatic(CD_OPS, "target", MTD_TARGET).lstore(EXIT_RIP);
                if (x.sub() == 2) {
                    push(f, () -> code.loadConstant(x.nextRip()));
                    code.pop();
                }
                e.completeBlock();
                e.leave();
            }
        }
    }
}
