package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.CD_FLAGS;
import static jvisor.engine.emu.region.RegionFrame.CD_OPS;
import static jvisor.engine.emu.region.RegionFrame.FLAGS;
import static jvisor.engine.emu.region.RegionFrame.LIN;
import static jvisor.engine.emu.region.RegionFrame.T0;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.Moves;

/**
 * The integer instructions a region compiles to bytecode of its own, in 64-bit mode: MOV in its
 * register, memory and immediate forms, MOVZX/MOVSX/MOVSXD, LEA, the eight ALU operations, TEST,
 * INC/DEC, NOT/NEG, SETcc, CMOVcc and the NOPs; together the bulk of what a kernel executes.
 * Each form does what its handler in {@code jvisor.engine.emu.exec} does, without the handler's
 * general cases: every operand is loaded, the operation is one call into {@link RegionOps}, the
 * result is stored. Every other instruction calls its handler.
 */
final class DataForms {
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "sub"};
    private static final int CMP = 7;
    /** Not an x86 ALU number: TEST, which computes AND and writes nothing. */
    private static final int TEST = 8;
    private static final MethodTypeDesc MTD_BINARY = MethodTypeDesc.of(CD_long, CD_FLAGS, CD_long, CD_long, CD_int);
    private static final MethodTypeDesc MTD_UNARY = MethodTypeDesc.of(CD_long, CD_FLAGS, CD_long, CD_int);

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
        if (op < 0x40) {
            int alu = op >> 3;
            switch (op & 7) {
                case 0, 1 -> alu(e, x, alu, Operand.RM, Operand.REG, s);
                case 2, 3 -> alu(e, x, alu, Operand.REG, Operand.RM, s);
                default -> alu(e, x, alu, Operand.ACC, Operand.IMM, s);
            }
            return;
        }
        switch (op) {
            case 0x80, 0x81, 0x83 -> alu(e, x, x.sub(), Operand.RM, Operand.IMM, s);
            case 0x84, 0x85 -> alu(e, x, TEST, Operand.RM, Operand.REG, s);
            case 0xA8, 0xA9 -> alu(e, x, TEST, Operand.ACC, Operand.IMM, s);
            case 0xF6, 0xF7 -> {
                switch (x.sub()) {
                    case 0, 1 -> alu(e, x, TEST, Operand.RM, Operand.IMM, s);
                    case 2 -> unary(e, x, null);
                    default -> unary(e, x, "neg");
                }
            }
            case 0xFE, 0xFF -> unary(e, x, x.sub() == 0 ? "inc" : "dec");
            case 0x88, 0x89 -> writeRm(e, x, s, () -> f.loadReg(x.reg(), s));
            case 0x8A, 0x8B -> f.storeReg(x.reg(), s, () -> readRm(e, x, s));
            case 0xC6, 0xC7 -> writeRm(e, x, s, () -> code.loadConstant(x.imm()));
            case 0x0FB6, 0x0FBE -> extend(e, x, 1, op == 0x0FBE);
            case 0x0FB7, 0x0FBF -> extend(e, x, 2, op == 0x0FBF);
            case 0x63 -> extend(e, x, 4, true);
            case 0x8D -> f.storeReg(x.reg(), s, () -> Memory.address(f, x, false));
            default -> {
                if (op >= 0xB0 && op <= 0xBF) {
                    f.storeReg(x.reg(), s, () -> code.loadConstant(x.imm()));
                } else if (op >= 0x0F40 && op <= 0x0F4F) {
                    cmov(e, x, op & 0xF);
                } else if (op >= 0x0F90 && op <= 0x0F9F) {
                    writeRm(e, x, 1, () -> Conditions.value(f, op & 0xF));
                }
                // The NOPs compile to nothing.
            }
        }
    }

    private enum Operand { REG, RM, ACC, IMM }

    /** Pushes the r/m operand at {@code size} bytes, zero-extended. */
    private static void readRm(RegionEmitter e, Insn x, int size) {
        RegionFrame f = e.frame();
        if (x.rm() >= 0) {
            f.loadReg(x.rm(), size);
        } else {
            Memory.read(f, x, size);
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
        Memory.write(f, LIN, T0, size);
        e.leaveIfCodeWritten();
    }

    private static void extend(RegionEmitter e, Insn x, int from, boolean signed) {
        RegionFrame f = e.frame();
        f.storeReg(x.reg(), x.opSize(), () -> {
            readRm(e, x, from);
            if (signed) {
                f.signExtend(from);
            }
        });
    }

    private static void cmov(RegionEmitter e, Insn x, int cc) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        readRm(e, x, s);
        code.lstore(T0);
        Label move = code.newLabel();
        Label done = code.newLabel();
        Conditions.jumpIf(f, cc, move);
        if (s == 4) {
            f.storeReg(x.reg(), 4, () -> f.loadReg(x.reg(), 4));
        }
        code.goto_(done).labelBinding(move);
        f.storeReg(x.reg(), s, () -> code.lload(T0));
        code.labelBinding(done);
    }

    /** {@code dst op= src}; a memory destination is read and written through one checked linear address. */
    private static void alu(RegionEmitter e, Insn x, int alu, Operand dst, Operand src, int s) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        boolean writes = alu != CMP && alu != TEST;
        boolean memoryDst = dst == Operand.RM && x.rm() < 0;
        if (memoryDst) {
            Memory.address(f, x, true);
            code.lstore(LIN);
        }
        Runnable result = () -> {
            code.aload(FLAGS);
            if (memoryDst && writes) {
                Memory.readForWrite(f, LIN, s);
            } else if (memoryDst) {
                Memory.readAt(f, LIN, s);
            } else {
                f.loadReg(dst == Operand.RM ? x.rm() : dst == Operand.ACC ? Cpu.RAX : x.reg(), s);
            }
            switch (src) {
                case REG -> f.loadReg(x.reg(), s);
                case IMM -> code.loadConstant(mask(x.imm(), s));
                default -> readRm(e, x, s);
            }
            code.loadConstant(s).invokestatic(CD_OPS, alu == TEST ? "and" : ALU[alu], MTD_BINARY);
        };
        if (!writes) {
            result.run();
            code.pop2();
        } else if (memoryDst) {
            result.run();
            code.lstore(T0);
            Memory.write(f, LIN, T0, s);
            e.leaveIfCodeWritten();
        } else {
            f.storeReg(dst == Operand.RM ? x.rm() : dst == Operand.ACC ? Cpu.RAX : x.reg(), s, result);
        }
    }

    private static long mask(long v, int size) {
        return size == 8 ? v : v & ((1L << (size << 3)) - 1);
    }

    /** NOT (no flags, {@code helper} null), NEG, INC, DEC. */
    private static void unary(RegionEmitter e, Insn x, String helper) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        boolean memory = x.rm() < 0;
        if (memory) {
            Memory.address(f, x, true);
            code.lstore(LIN);
        }
        Runnable result = () -> {
            if (helper != null) {
                code.aload(FLAGS);
            }
            if (memory) {
                Memory.readForWrite(f, LIN, s);
            } else {
                f.loadReg(x.rm(), s);
            }
            if (helper != null) {
                code.loadConstant(s).invokestatic(CD_OPS, helper, MTD_UNARY);
            } else {
                code.loadConstant(-1L).lxor();
            }
        };
        if (memory) {
            result.run();
            code.lstore(T0);
            Memory.write(f, LIN, T0, s);
            e.leaveIfCodeWritten();
        } else {
            f.storeReg(x.rm(), s, result);
        }
    }
}
