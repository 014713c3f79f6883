package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static jvisor.engine.emu.region.RegionFrame.A;
import static jvisor.engine.emu.region.RegionFrame.CD_CPU;
import static jvisor.engine.emu.region.RegionFrame.COUNT;
import static jvisor.engine.emu.region.RegionFrame.CPU;
import static jvisor.engine.emu.region.RegionFrame.LIN;
import static jvisor.engine.emu.region.RegionFrame.R;
import static jvisor.engine.emu.region.RegionFrame.T0;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.exec.MulDiv;
import jvisor.engine.emu.exec.Shifts;

/**
 * Shifts and rotates (SHL, SHR, SAR, ROL, ROR by 1, an immediate or CL), IMUL with two and three
 * operands, CBW/CWDE/CDQE, CWD/CDQ/CQO and BSWAP: after the plain ALU forms, what kernel code
 * runs most. Operands are loaded and stored by the region; the operation with its flags is the
 * interpreter's own static method (a call C1 makes and C2 inlines), so the two cannot disagree.
 */
final class ArithmeticForms {
    private static final ClassDesc CD_SHIFTS = ClassDesc.of(Shifts.class.getName());
    private static final ClassDesc CD_MULDIV = ClassDesc.of(MulDiv.class.getName());
    private static final MethodTypeDesc MTD_SHIFT_FLAGS = MethodTypeDesc.of(CD_long, RegionFrame.CD_FLAGS, CD_long, CD_int,
            CD_int);
    private static final MethodTypeDesc MTD_ROTATE = MethodTypeDesc.of(CD_long, CD_CPU, CD_long, CD_int, CD_int);
    private static final MethodTypeDesc MTD_IMUL = MethodTypeDesc.of(CD_long, CD_CPU, CD_long, CD_long, CD_int);

    private ArithmeticForms() { }

    static boolean supports(Insn x) {
        if (!x.mode64() || x.hasPrefix(Insn.P_LOCK) || x.hasPrefix(Insn.P_VEX)) {
            return false;
        }
        int op = x.opcode();
        return switch (op) {
            case 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3 -> x.sub() != 2 && x.sub() != 3; // not RCL, RCR
            case 0x0FAF, 0x69, 0x6B, 0x98, 0x99 -> true;
            default -> op >= 0x0FC8 && op <= 0x0FCF && x.opSize() >= 4;
        };
    }

    static void emit(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int op = x.opcode();
        int s = x.opSize();
        e.flagsUnknown();
        switch (op) {
            case 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3 -> shift(e, x);
            case 0x0FAF, 0x69, 0x6B -> {
                if (x.isMemory()) {
                    e.mayFault();
                }
                // The low half of the product is the same signed or unsigned, at any width.
                boolean flags = !e.carryAndOverflowUnseen();
                f.storeReg(x.reg(), s, () -> {
                    if (flags) {
                        code.aload(CPU);
                    }
                    if (op == 0x0FAF) {
                        f.loadReg(x.reg(), s);
                        readRm(f, x, s);
                    } else {
                        readRm(f, x, s);
                        code.loadConstant(x.imm());
                    }
                    if (flags) {
                        code.loadConstant(s).invokestatic(CD_MULDIV, "imul", MTD_IMUL);
                    } else {
                        code.lmul();
                    }
                });
            }
            case 0x98 -> f.storeReg(Cpu.RAX, s, () -> f.loadRegSigned(Cpu.RAX, s / 2));
            case 0x99 -> f.storeReg(Cpu.RDX, s, () -> {
                f.loadRegSigned(Cpu.RAX, s);
                code.bipush(63).lshr();
            });
            default -> f.storeReg(x.reg(), s, () -> {
                if (s == 8) {
                    f.loadReg64(x.reg());
                    code.invokestatic(ClassDesc.of(Long.class.getName()), "reverseBytes", MethodTypeDesc.of(CD_long, CD_long));
                } else {
                    f.loadReg64(x.reg());
                    code.l2i().invokestatic(ClassDesc.of(Integer.class.getName()), "reverseBytes", MethodTypeDesc.of(CD_int, CD_int))
                            .i2l();
                }
            });
        }
    }

    private static void readRm(RegionFrame f, Insn x, int s) {
        if (x.rm() >= 0) {
            f.loadReg(x.rm(), s);
        } else {
            Memory.read(f, x, s, false);
        }
    }

    /**
     * As the interpreter's group-2 handler: a count of 0 (after masking) changes nothing but a
     * 32-bit register's upper half; a memory operand is checked for writing first either way.
     */
    private static void shift(RegionEmitter e, Insn x) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        int op = x.opcode();
        int mask = s == 8 ? 63 : 31;
        boolean memory = x.rm() < 0;
        if (memory) {
            e.mayFault();
            Memory.address(f, x, true);
            code.lstore(LIN);
            Memory.readForWrite(f, LIN, s, false, Memory.leaveOnMiss(e));
        } else {
            f.loadReg(x.rm(), s);
        }
        code.lstore(T0);
        if (op == 0xD2 || op == 0xD3) {
            Label none = code.newLabel();
            Label done = code.newLabel();
            f.loadReg64(Cpu.RCX);
            code.l2i().loadConstant(mask).iand().istore(COUNT);
            code.iload(COUNT).ifeq(none);
            shiftBy(e, x, memory);
            code.goto_(done).labelBinding(none);
            unshifted(f, x, memory);
            code.labelBinding(done);
            return;
        }
        int n = (int) (op == 0xD0 || op == 0xD1 ? 1 : x.imm()) & mask;
        if (n == 0) {
            unshifted(f, x, memory);
            return;
        }
        if (!memory && s >= 4 && e.flagsDead(x.sub() > 1, RegionOps.shifted(x.sub(), s, n))) {
            shiftWithoutFlags(f, x, n);
            code.lload(T0).lstore(A); // the value a fault on the way shifts again for the flags
            return;
        }
        code.loadConstant(n).istore(COUNT);
        shiftBy(e, x, memory);
    }

    /**
     * A 32- or 64-bit register rotated or shifted by {@code n} (not 0) whose flags nothing will
     * see: the value alone, in the region's own bytecode. A rotate is two shifts and an OR (C2
     * makes one rotate of them) rather than a call to Integer.rotateRight: in a region near
     * HotSpot's inlining budget (-XX:DesiredMethodLimit, which counts the region's own bytecode)
     * C2 left such calls out of line.
     */
    private static void shiftWithoutFlags(RegionFrame f, Insn x, int n) {
        CodeBuilder code = f.code;
        int s = x.opSize();
        int bits = s * 8;
        int right = x.sub() == 0 ? bits - n : n; // a rotate left by n is a rotate right by bits - n
        f.storeReg(x.rm(), s, () -> {
            if (s == 8) {
                code.lload(T0);
                switch (x.sub()) {
                    case 0, 1 -> code.loadConstant(right).lushr().lload(T0).loadConstant(bits - right).lshl().lor();
                    case 4, 6 -> code.loadConstant(n).lshl();
                    case 5 -> code.loadConstant(n).lushr();
                    default -> code.loadConstant(n).lshr();
                }
                return;
            }
            code.lload(T0).l2i();
            switch (x.sub()) {
                case 0, 1 -> code.dup().loadConstant(right).iushr().swap().loadConstant(bits - right).ishl().ior();
                case 4, 6 -> code.loadConstant(n).ishl();
                case 5 -> code.loadConstant(n).iushr();
                default -> code.loadConstant(n).ishr();
            }
            code.i2l();
        });
    }

    /**
     * Shifts the value in T0 by COUNT (not 0) and writes it back (to the address in LIN for memory).
     * It calls the operation's own method, which HotSpot inlines, not the interpreter's switch over
     * all of them, which it left out of line ({@code bench emu} sha256: 11% of the samples).
     */
    private static void shiftBy(RegionEmitter e, Insn x, boolean memory) {
        RegionFrame f = e.frame();
        CodeBuilder code = f.code;
        int s = x.opSize();
        boolean rotate = x.sub() <= 1;
        String method = switch (x.sub()) {
            case 0 -> "rol";
            case 1 -> "ror";
            case 5 -> "shr";
            case 7 -> "sar";
            default -> "shl"; // SHL and SAL
        };
        // Rotates keep the other flags, so they take the processor; shifts set them all.
        code.aload(rotate ? CPU : RegionFrame.FLAGS).lload(T0).iload(COUNT).loadConstant(s)
                .invokestatic(CD_SHIFTS, method, rotate ? MTD_ROTATE : MTD_SHIFT_FLAGS).lstore(R);
        if (memory) {
            Memory.write(f, LIN, R, s);
            e.leaveIfCodeWritten();
        } else {
            f.storeReg(x.rm(), s, () -> code.lload(R));
        }
    }

    /** A count of 0: only a 32-bit register is written (its upper half cleared). */
    private static void unshifted(RegionFrame f, Insn x, boolean memory) {
        if (!memory && x.opSize() == 4) {
            f.storeReg(x.rm(), 4, () -> f.code.lload(T0));
        }
    }
}
