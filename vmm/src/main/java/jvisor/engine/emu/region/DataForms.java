package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static jvisor.engine.emu.region.RegionFrame.A;
import static jvisor.engine.emu.region.RegionFrame.B;
import static jvisor.engine.emu.region.RegionFrame.CD_FLAGS;
import static jvisor.engine.emu.region.RegionFrame.CD_OPS;
import static jvisor.engine.emu.region.RegionFrame.FLAGS;
import static jvisor.engine.emu.region.RegionFrame.LIN;
import static jvisor.engine.emu.region.RegionFrame.R;
import static jvisor.engine.emu.region.RegionFrame.T0;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.Moves;

/**
 * The integer instructions a region compiles to bytecode of its own, in 64-bit mode: MOV in its
 * register, memory and immediate forms, MOVZX/MOVSX/MOVSXD, LEA, the eight ALU operations, TEST,
 * INC/DEC, NOT/NEG, SETcc, CMOVcc and the NOPs; together the bulk of what a kernel executes.
 * Each form does what its handler in {@code jvisor.engine.emu.exec} does, without the handler's
 * general cases. An operation that sets the flags computes on sign-extended operands kept in
 * locals A and B, leaves its result in R and records all three in the {@link Flags} object
 * (small setters even the first JIT tier inlines). Every other instruction calls its handler.
 */
final class DataForms {
    private static final int ADD = 0;
    private static final int OR = 1;
    private static final int ADC = 2;
    private static final int SBB = 3;
    private static final int AND = 4;
    private static final int XOR = 6;
    private static final int CMP = 7;
    /** Not an x86 ALU number: TEST, which computes AND and writes nothing. */
    private static final int TEST = 8;
    private static final MethodTypeDesc MTD_SET64 = MethodTypeDesc.of(CD_void, CD_int, CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_LOGIC64 = MethodTypeDesc.of(CD_void, CD_long);
    private static final MethodTypeDesc MTD_CARRY = MethodTypeDesc.of(CD_long, CD_FLAGS, CD_long, CD_long, CD_int);

    private DataForms() { }

    /** Whether {@code x} is compiled here rather than by a call to its handler. */
    static boolean supports(Insn x) {
        if (!x.mode64() || x.hasPrefix(Insn.P_LOCK) || x.hasPrefix(Insn.P_VEX)) {
            return false;
        }
        int op = x.opcode();
        if (op < 0x40) {
            return (op & 7) < 6;
        }
        return switch (op) {
            case 0x80, 0x81, 0x83, 0x84, 0x85, 0xA8, 0xA9, 0x88, 0x89, 0x8A, 0x8B,
                 0x0FB6, 0x0FB7, 0x0FBE, 0x0FBF, 0x63 -> true;
            case 0xF6, 0xF7 -> x.sub() <= 3;
            case 0xFE, 0xFF -> x.sub() <= 1;
            case 0xC6, 0xC7 -> x.sub() == 0;
            case 0x8D -> x.isMemory();
            default -> (op >= 0xB0 && op <= 0xBF) || (op >= 0x0F40 && op <= 0x0F4F) || (op >= 0x0F90 && op <= 0x0F9F)
                    || x.op() == Moves.NOP;
        };
    }

    static void emit(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int op = x.opcode();
        int s = x.opSize();
        if (x.isMemory() && op != 0x8D && x.op() != Moves.NOP) {
            e.mayFault();
        }
        AluForm form = aluForm(x);
        if (form != null) {
            alu(e, x, form.alu(), form.dst(), form.src(), s);
            return;
        }
        switch (op) {
            case 0xF6, 0xF7 -> {
                if (x.sub() == 2) {
                    not(e, x);
                } else {
                    unary(e, x, Flags.SUB);
                }
            }
            case 0xFE, 0xFF -> unary(e, x, x.sub() == 0 ? Flags.INC : Flags.DEC);
            case 0x88, 0x89 -> writeRm(e, x, s, () -> f.loadReg(x.reg(), s));
            // The register's old value is on the operand stack during a narrower load: no leaving then.
            case 0x8A, 0x8B -> f.storeReg(x.reg(), s, () -> readRm(e, x, s, false, s >= 4));
            case 0xC6, 0xC7 -> writeRm(e, x, s, () -> code.loadConstant(x.imm()));
            case 0x0FB6, 0x0FBE -> f.storeReg(x.reg(), s, () -> readRm(e, x, 1, op == 0x0FBE, s >= 4));
            case 0x0FB7, 0x0FBF -> f.storeReg(x.reg(), s, () -> readRm(e, x, 2, op == 0x0FBF, s >= 4));
            case 0x63 -> f.storeReg(x.reg(), s, () -> readRm(e, x, 4, true, s >= 4));
            case 0x8D -> f.storeReg(x.reg(), s, () -> Memory.address(f, x, false));
            default -> {
                if (op >= 0xB0 && op <= 0xBF) {
                    f.storeReg(x.reg(), s, () -> code.loadConstant(x.imm()));
                } else if (op >= 0x0F40 && op <= 0x0F4F) {
                    cmov(e, x, op & 0xF);
                } else if (op >= 0x0F90 && op <= 0x0F9F) {
                    writeRm(e, x, 1, () -> Conditions.value(e, op & 0xF));
                }
                // The NOPs compile to nothing.
            }
        }
    }

    private enum Operand { REG, RM, ACC, IMM }

    /**
     * Pushes the r/m operand at {@code size} bytes, zero- or sign-extended. A memory operand is
     * the instruction's first access: with {@code mayLeave} (the operand stack is empty) a TLB
     * miss leaves the region before the instruction ({@link Memory#leaveOnMiss}).
     */
    private static void readRm(RegionEmitter e, Insn x, int size, boolean signed, boolean mayLeave) {
        RegionFrame f = e.frame();
        if (x.rm() >= 0) {
            if (signed) {
                f.loadRegSigned(x.rm(), size);
            } else {
                f.loadReg(x.rm(), size);
            }
        } else {
            Memory.read(f, x, size, signed, mayLeave ? Memory.leaveOnMiss(e) : null);
        }
    }

    /** Writes the long {@code value} pushes to the r/m operand; a write into decoded code ends the region after this instruction. */
    private static void writeRm(RegionEmitter e, Insn x, int size, Runnable value) {
        RegionFrame f = e.frame();
        if (x.rm() >= 0) {
            f.storeReg(x.rm(), size, value);
            return;
        }
        value.run();
        f.code.lstore(T0);
        Memory.address(f, x, true);
        f.code.lstore(LIN);
        Memory.write(f, LIN, T0, size, Memory.leaveOnMiss(e));
        e.leaveIfCodeWritten();
    }

    /** Writes long local {@code value} to the r/m operand, whose linear address (if memory) is in LIN. */
    private static void writeBack(RegionEmitter e, Insn x, int size, int value) {
        RegionFrame f = e.frame();
        if (x.rm() >= 0) {
            f.storeReg(x.rm(), size, () -> f.code.lload(value));
            return;
        }
        Memory.write(f, LIN, value, size);
        e.leaveIfCodeWritten();
    }

    private static void cmov(RegionEmitter e, Insn x, int cc) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        readRm(e, x, s, false, true);
        code.lstore(T0);
        Label move = code.newLabel();
        Label done = code.newLabel();
        Conditions.jumpIf(e, cc, move);
        if (s == 4) {
            // A 32-bit CMOV clears the upper half even when it does not move.
            f.storeReg(x.reg(), 4, () -> f.loadReg(x.reg(), 4));
        }
        code.goto_(done).labelBinding(move);
        f.storeReg(x.reg(), s, () -> code.lload(T0));
        code.labelBinding(done);
    }

    /**
     * Whether {@link #alu} may compute {@code x} as its operation alone where its flags are unseen:
     * ADD, SUB, AND, OR or XOR of 32 or 64 bits between registers or with an immediate (the result
     * then only depends on the operands' low bits, and nothing can fault).
     */
    private static boolean leanAlu(Insn x, int alu, Operand dst, Operand src, int s) {
        boolean registers = (dst != Operand.RM || x.rm() >= 0) && (src != Operand.RM || x.rm() >= 0);
        return s >= 4 && registers && alu != ADC && alu != SBB && alu != CMP && alu != TEST;
    }

    /** Whether {@code x} is an ALU form {@link #alu} may compute alone where its flags are unseen. */
    static boolean leanForm(Insn x) {
        AluForm form = aluForm(x);
        return form != null && leanAlu(x, form.alu(), form.dst(), form.src(), x.opSize());
    }

    /** An instruction {@link #alu} compiles: the operation (an x86 ALU number or TEST) and its operands. */
    private record AluForm(int alu, Operand dst, Operand src) { }

    /** {@code x}'s {@link AluForm}, or null for another instruction. */
    private static AluForm aluForm(Insn x) {
        int op = x.opcode();
        if (op < 0x40) {
            return switch (op & 7) {
                case 0, 1 -> new AluForm(op >> 3, Operand.RM, Operand.REG);
                case 2, 3 -> new AluForm(op >> 3, Operand.REG, Operand.RM);
                case 4, 5 -> new AluForm(op >> 3, Operand.ACC, Operand.IMM);
                default -> null;
            };
        }
        return switch (op) {
            case 0x80, 0x81, 0x83 -> new AluForm(x.sub(), Operand.RM, Operand.IMM);
            case 0x84, 0x85 -> new AluForm(TEST, Operand.RM, Operand.REG);
            case 0xA8, 0xA9 -> new AluForm(TEST, Operand.ACC, Operand.IMM);
            case 0xF6, 0xF7 -> x.sub() <= 1 ? new AluForm(TEST, Operand.RM, Operand.IMM) : null;
            default -> null;
        };
    }


    /** The operation on the two operands on the stack: longs, or with {@code ints} ints; TEST is AND. */
    private static void operate(CodeBuilder code, int alu, boolean ints) {
        Opcode operation = switch (alu) {
            case ADD -> ints ? Opcode.IADD : Opcode.LADD;
            case OR -> ints ? Opcode.IOR : Opcode.LOR;
            case AND, TEST -> ints ? Opcode.IAND : Opcode.LAND;
            case XOR -> ints ? Opcode.IXOR : Opcode.LXOR;
            default -> ints ? Opcode.ISUB : Opcode.LSUB;
        };
        code.with(OperatorInstruction.of(operation));
    }

    /** {@code dst op= src}; a memory destination is read and written through one checked linear address. */
    private static void alu(RegionEmitter e, Insn x, int alu, Operand dst, Operand src, int s) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        boolean writes = alu != CMP && alu != TEST;
        boolean memoryDst = dst == Operand.RM && x.rm() < 0;
        int dstReg = dst == Operand.RM ? x.rm() : dst == Operand.ACC ? Cpu.RAX : x.reg();
        if (leanAlu(x, alu, dst, src, s) && e.flagsUnseen()) {
            // Nothing will see the flags, not even a fault: the operation alone, without the
            // operands' locals, which a region's method would otherwise spend half its bytecode on
            // (SHA-256's rounds are mostly such ADDs, XORs and ANDs).
            int srcReg = src == Operand.REG ? x.reg() : x.rm();
            // 32 bits in int arithmetic, as the form with the locals is: done in longs and masked,
            // crc32's loop took a third longer in C2's code.
            boolean ints = s == 4;
            f.storeReg(dstReg, s, () -> {
                f.loadReg64(dstReg);
                if (ints) {
                    code.l2i();
                }
                if (src != Operand.IMM) {
                    f.loadReg64(srcReg);
                    if (ints) {
                        code.l2i();
                    }
                } else if (ints) {
                    code.loadConstant((int) x.imm());
                } else {
                    code.loadConstant(x.imm());
                }
                operate(code, alu, ints);
                if (ints) {
                    code.i2l();
                }
            });
            e.flagsUnknown();
            return;
        }
        // A memory operand is read before A and B change: a fault there must find them holding
        // the operands of flags an earlier instruction left out (FlagLiveness.overwritesAfterReading).
        if (src == Operand.RM && x.rm() < 0) {
            readRm(e, x, s, true, true);
            code.lstore(B);
            f.loadRegSigned(dstReg, s);
            code.lstore(A);
        } else {
            if (memoryDst) {
                Memory.address(f, x, true);
                code.lstore(LIN);
                if (writes) {
                    Memory.readForWrite(f, LIN, s, true, Memory.leaveOnMiss(e));
                } else {
                    Memory.readAt(f, LIN, s, true, Memory.leaveOnMiss(e));
                }
            } else {
                f.loadRegSigned(dstReg, s);
            }
            code.lstore(A);
            switch (src) {
                case REG -> f.loadRegSigned(x.reg(), s);
                case IMM -> code.loadConstant(Flags.sx(x.imm(), s));
                default -> readRm(e, x, s, true, false);
            }
            code.lstore(B);
        }
        if (alu == ADC || alu == SBB) {
            code.aload(FLAGS).lload(A).lload(B).loadConstant(s)
                    .invokestatic(CD_OPS, alu == ADC ? "adc" : "sbb", MTD_CARRY).lstore(R);
            e.flagsUnknown();
        } else {
            code.lload(A).lload(B);
            operate(code, alu, false);
            boolean logic = alu == OR || alu == AND || alu == TEST || alu == XOR;
            if (!logic) {
                f.signExtend(s);
            }
            code.lstore(R);
            int kind = logic ? Flags.LOGIC : alu == ADD ? Flags.ADD : Flags.SUB;
            if (!memoryDst && e.flagsDead(true, kind)) {
                // Overwritten in this block before anything can see them: the four stores into
                // the lazy flags are left out (most of SHA-256's ADDs and XORs).
                e.flagsUnknown();
            } else if (!memoryDst && e.flagsDeadAcrossBlocks(kind)) {
                // Read only by the block's Jcc, from A, B and R, and overwritten by what follows.
                e.flagsKnown(kind);
            } else if (logic) {
                code.aload(FLAGS).lload(R).invokevirtual(CD_FLAGS, "logic64", MTD_LOGIC64);
                e.flagsKnown(Flags.LOGIC);
            } else {
                code.aload(FLAGS).loadConstant(kind).lload(A).lload(B).lload(R)
                        .invokevirtual(CD_FLAGS, "set64", MTD_SET64);
                e.flagsKnown(kind);
            }
        }
        if (!writes) {
            return;
        }
        if (memoryDst) {
            Memory.write(f, LIN, R, s);
            e.leaveIfCodeWritten();
        } else {
            f.storeReg(dstReg, s, () -> code.lload(R));
        }
    }

    /** NEG (as 0 - v), INC, DEC on the r/m operand. */
    private static void unary(RegionEmitter e, Insn x, int kind) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        readModifyOperand(e, x, s);
        if (kind == Flags.SUB) {
            code.lstore(B).lconst_0().lstore(A).lload(A).lload(B).lsub();
        } else {
            code.lstore(A).lload(A).lconst_1();
            if (kind == Flags.INC) {
                code.ladd();
            } else {
                code.lsub();
            }
        }
        f.signExtend(s);
        code.lstore(R);
        if (kind == Flags.SUB) {
            code.aload(FLAGS).loadConstant(kind).lload(A).lload(B).lload(R).invokevirtual(CD_FLAGS, "set64", MTD_SET64);
        } else {
            code.aload(FLAGS).loadConstant(kind).lload(A).lload(R)
                    .invokevirtual(CD_FLAGS, "incDec64", MethodTypeDesc.of(CD_void, CD_int, CD_long, CD_long));
        }
        e.flagsKnown(kind);
        writeBack(e, x, s, R);
    }

    /** NOT: no flags. */
    private static void not(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        int s = x.opSize();
        readModifyOperand(e, x, s);
        f.code.loadConstant(-1L).lxor().lstore(T0);
        writeBack(e, x, s, T0);
    }

    /** Pushes the r/m operand sign-extended; a memory operand is checked for writing and its address left in LIN. */
    private static void readModifyOperand(RegionEmitter e, Insn x, int s) {
        RegionFrame f = e.frame();
        if (x.rm() >= 0) {
            f.loadRegSigned(x.rm(), s);
        } else {
            Memory.address(f, x, true);
            f.code.lstore(LIN);
            Memory.readForWrite(f, LIN, s, true, Memory.leaveOnMiss(e));
        }
    }
}
