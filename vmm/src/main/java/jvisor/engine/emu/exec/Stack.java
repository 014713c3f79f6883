package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.DEF64;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM16_8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMZ;
import static jvisor.engine.emu.decode.OpcodeSpec.INV64;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.decode.OpcodeSpec.PLUS_R;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.FarTransfers;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Segmentation;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/** PUSH and POP in all forms (registers, memory, immediates, segments, flags, PUSHA/POPA), ENTER, LEAVE. */
public final class Stack {
    private Stack() { }

    static void register(OpcodeMaps m) {
        m.putRange(ONE_BYTE, 0x50, 8, PLUS_R | DEF64, i -> i.opSize == 8 ? PUSH_REG64 : PUSH_REG);
        m.putRange(ONE_BYTE, 0x58, 8, PLUS_R | DEF64, i -> i.opSize == 8 ? POP_REG64 : POP_REG);
        m.put(ONE_BYTE, 0x68, IMMZ | DEF64, i -> PUSH_IMM);
        m.put(ONE_BYTE, 0x6A, IMM8 | DEF64, i -> PUSH_IMM);
        m.put(ONE_BYTE, 0x8F, MODRM | DEF64, i -> i.sub == 0 ? POP_RM : null);
        m.put(ONE_BYTE, 0x06, INV64, i -> pushSeg(Cpu.ES));
        m.put(ONE_BYTE, 0x0E, INV64, i -> pushSeg(Cpu.CS));
        m.put(ONE_BYTE, 0x16, INV64, i -> pushSeg(Cpu.SS));
        m.put(ONE_BYTE, 0x1E, INV64, i -> pushSeg(Cpu.DS));
        m.put(ONE_BYTE, 0x07, INV64, i -> popSeg(Cpu.ES));
        m.put(ONE_BYTE, 0x17, INV64 | ENDS, i -> popSeg(Cpu.SS));
        m.put(ONE_BYTE, 0x1F, INV64, i -> popSeg(Cpu.DS));
        m.put(TWO_BYTE, 0xA0, DEF64, i -> pushSeg(Cpu.FS));
        m.put(TWO_BYTE, 0xA1, DEF64, i -> popSeg(Cpu.FS));
        m.put(TWO_BYTE, 0xA8, DEF64, i -> pushSeg(Cpu.GS));
        m.put(TWO_BYTE, 0xA9, DEF64, i -> popSeg(Cpu.GS));
        m.put(ONE_BYTE, 0x60, INV64, i -> PUSHA);
        m.put(ONE_BYTE, 0x61, INV64, i -> POPA);
        m.put(ONE_BYTE, 0x9C, DEF64, i -> PUSHF);
        m.put(ONE_BYTE, 0x9D, DEF64 | ENDS, i -> POPF);
        m.put(ONE_BYTE, 0xC8, IMM16_8 | DEF64, i -> ENTER);
        m.put(ONE_BYTE, 0xC9, DEF64, i -> LEAVE);
    }

    static final Op PUSH_REG64 = Stack::pushReg64;
    static void pushReg64(Cpu c, Insn x) {
        c.push(c.reg(x.reg()), 8);
    }

    static final Op PUSH_REG = Stack::pushReg;
    static void pushReg(Cpu c, Insn x) {
        c.push(c.reg(x.reg(), x.opSize()), x.opSize());
    }

    static final Op POP_REG64 = Stack::popReg64;
    static void popReg64(Cpu c, Insn x) {
        c.setReg(x.reg(), c.pop(8));
    }

    static final Op POP_REG = Stack::popReg;
    static void popReg(Cpu c, Insn x) {
        c.setReg(x.reg(), x.opSize(), c.pop(x.opSize()));
    }

    static final Op PUSH_IMM = Stack::pushImm;
    static void pushImm(Cpu c, Insn x) {
        c.push(x.imm(), x.opSize());
    }


    /** FF /6. */
    static final Op PUSH_RM = (c, x) -> c.push(Operands.readRm(c, x, x.opSize()), x.opSize());

    /** POP r/m: an RSP-based address is computed after RSP moves. */
    private static final Op POP_RM = (c, x) -> {
        int s = x.opSize();
        long saved = c.reg(Cpu.RSP);
        long v = c.pop(s);
        try {
            Operands.writeRm(c, x, s, v);
        } catch (CpuFault f) {
            c.setReg(Cpu.RSP, saved);
            throw f;
        }
    };

    private static Op pushSeg(int sreg) {
        return (c, x) -> c.push(c.seg(sreg).selector(), x.opSize());
    }

    private static Op popSeg(int sreg) {
        return (c, x) -> {
            int sel = (int) c.peek(0, x.opSize()) & 0xFFFF;
            if (sreg == Cpu.SS) {
                Segmentation.loadStack(c, sel);
                c.inhibitInterrupts = true;
                c.stackShadow = true;
            } else {
                Segmentation.loadData(c, sreg, sel);
            }
            c.setStackPointer(c.stackPointer() + x.opSize());
        };
    }

    private static final Op PUSHA = (c, x) -> {
        int s = x.opSize();
        long saved = c.reg(Cpu.RSP);
        long sp = c.reg(Cpu.RSP, s);
        try {
            for (int r = 0; r < 8; r++) {
                c.push(r == Cpu.RSP ? sp : c.reg(r, s), s);
            }
        } catch (CpuFault f) {
            c.setReg(Cpu.RSP, saved);
            throw f;
        }
    };

    private static final Op POPA = (c, x) -> {
        int s = x.opSize();
        long[] values = c.scratch;
        for (int r = 7; r >= 0; r--) {
            values[r] = c.peek((long) (7 - r) * s, s);
        }
        for (int r = 0; r < 8; r++) {
            if (r != Cpu.RSP) {
                c.setReg(r, s, values[r]);
            }
        }
        c.setStackPointer(c.stackPointer() + 8L * s);
    };

    static final Op PUSHF = Stack::pushf;
    static void pushf(Cpu c, Insn x) {
        if (c.flag(Flags.VM) && c.iopl() < 3) {
            throw c.fault(jvisor.engine.emu.cpu.Vectors.GP, 0);
        }
        c.push(c.rflags() & ~(Flags.VM | Flags.RF), x.opSize());
    }


    static final Op POPF = Stack::popf;
    static void popf(Cpu c, Insn x) {
        if (c.flag(Flags.VM) && c.iopl() < 3) {
            throw c.fault(jvisor.engine.emu.cpu.Vectors.GP, 0);
        }
        long v = c.peek(0, x.opSize());
        FarTransfers.loadFlags(c, v, x.opSize(), c.cpl(), false);
        c.setStackPointer(c.stackPointer() + x.opSize());
    }


    private static final Op ENTER = (c, x) -> {
        int s = x.opSize();
        int level = (int) x.imm2() & 31;
        long savedSp = c.reg(Cpu.RSP);
        long savedBp = c.reg(Cpu.RBP);
        try {
            c.push(c.reg(Cpu.RBP, s), s);
            long frame = c.stackPointer();
            if (level > 0) {
                long bp = c.reg(Cpu.RBP);
                for (int n = 1; n < level; n++) {
                    bp -= s;
                    long ssBp = c.stackSize() == 8 ? bp : bp & (c.stackSize() == 4 ? 0xFFFF_FFFFL : 0xFFFF);
                    c.push(c.mmu.read(c.stackLinear(ssBp, s, false), s), s);
                }
                c.push(frame, s);
            }
            c.setStackPointer(c.stackPointer() - (x.imm() & 0xFFFF));
            c.setReg(Cpu.RBP, s, frame);
        } catch (CpuFault f) {
            c.setReg(Cpu.RSP, savedSp);
            c.setReg(Cpu.RBP, savedBp);
            throw f;
        }
    };

    static final Op LEAVE = Stack::leave;
    static void leave(Cpu c, Insn x) {
        long saved = c.reg(Cpu.RSP);
        c.setStackPointer(c.reg(Cpu.RBP));
        try {
            c.setReg(Cpu.RBP, x.opSize(), c.pop(x.opSize()));
        } catch (CpuFault f) {
            c.setReg(Cpu.RSP, saved);
            throw f;
        }
    }

}
