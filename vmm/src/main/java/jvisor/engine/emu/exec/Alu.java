package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMZ;
import static jvisor.engine.emu.decode.OpcodeSpec.INV64;
import static jvisor.engine.emu.decode.OpcodeSpec.LOCKABLE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.decode.OpcodeSpec.PLUS_R;
import static jvisor.engine.emu.decode.OpcodeSpec.TEST_IMM;
import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The eight classic ALU operations (ADD OR ADC SBB AND SUB XOR CMP) in all their encodings, TEST,
 * INC/DEC, NOT and NEG. Each handler is specialized at decode time for register or memory
 * operands; memory destinations are read and written through one checked linear address.
 */
public final class Alu {
    private Alu() { }

    public static final int ADD = 0;
    public static final int OR = 1;
    public static final int ADC = 2;
    public static final int SBB = 3;
    public static final int AND = 4;
    public static final int SUB = 5;
    public static final int XOR = 6;
    public static final int CMP = 7;

    /** Computes {@code a op b} at {@code size} bytes, records the flags, returns the unmasked result. */
    public static long compute(Cpu c, int op, long a, long b, int size) {
        Flags f = c.flags;
        return switch (op) {
            case ADD -> add(f, a, b, size);
            case OR -> logic(f, a | b, size);
            case ADC -> adc(f, a, b, size);
            case SBB -> sbb(f, a, b, size);
            case AND -> logic(f, a & b, size);
            case XOR -> logic(f, a ^ b, size);
            default -> sub(f, a, b, size);
        };
    }

    private static long add(Flags f, long a, long b, int size) {
        long r = a + b;
        f.set(Flags.ADD, a, b, r, size);
        return r;
    }

    private static long sub(Flags f, long a, long b, int size) {
        long r = a - b;
        f.set(Flags.SUB, a, b, r, size);
        return r;
    }

    private static long logic(Flags f, long r, int size) {
        f.logic(r, size);
        return r;
    }

    private static long adc(Flags f, long a, long b, int size) {
        boolean carry = f.cf();
        long r = a + b + (carry ? 1 : 0);
        f.set(carry ? Flags.ADC : Flags.ADD, a, b, r, size);
        return r;
    }

    private static long sbb(Flags f, long a, long b, int size) {
        boolean borrow = f.cf();
        long r = a - b - (borrow ? 1 : 0);
        f.set(borrow ? Flags.SBB : Flags.SUB, a, b, r, size);
        return r;
    }

    static void register(OpcodeMaps m) {
        for (int op = 0; op < 8; op++) {
            int base = op * 8;
            int lock = op == CMP ? 0 : LOCKABLE;
            final int o = op;
            m.put(ONE_BYTE, base, MODRM | BYTE | lock, i -> rmReg(o, i));
            m.put(ONE_BYTE, base + 1, MODRM | lock, i -> rmReg(o, i));
            m.put(ONE_BYTE, base + 2, MODRM | BYTE, i -> regRm(o, i));
            m.put(ONE_BYTE, base + 3, MODRM, i -> regRm(o, i));
            m.put(ONE_BYTE, base + 4, BYTE | IMM8, i -> accImm(o));
            m.put(ONE_BYTE, base + 5, IMMZ, i -> accImm(o));
        }
        m.put(ONE_BYTE, 0x80, MODRM | BYTE | IMM8 | LOCKABLE, Alu::group1);
        m.put(ONE_BYTE, 0x81, MODRM | IMMZ | LOCKABLE, Alu::group1);
        m.put(ONE_BYTE, 0x82, MODRM | BYTE | IMM8 | LOCKABLE | INV64, Alu::group1);
        m.put(ONE_BYTE, 0x83, MODRM | IMM8 | LOCKABLE, Alu::group1);
        m.put(ONE_BYTE, 0x84, MODRM | BYTE, i -> test(i));
        m.put(ONE_BYTE, 0x85, MODRM, i -> test(i));
        m.put(ONE_BYTE, 0xA8, BYTE | IMM8, i -> TEST_ACC);
        m.put(ONE_BYTE, 0xA9, IMMZ, i -> TEST_ACC);
        m.put(ONE_BYTE, 0xF6, MODRM | BYTE | TEST_IMM | LOCKABLE, Alu::group3);
        m.put(ONE_BYTE, 0xF7, MODRM | TEST_IMM | LOCKABLE, Alu::group3);
        m.put(ONE_BYTE, 0xFE, MODRM | BYTE | LOCKABLE, i -> i.sub <= 1 ? incDec(i) : null);
        m.putRange(ONE_BYTE, 0x40, 8, PLUS_R | INV64, i -> INC_REG);
        m.putRange(ONE_BYTE, 0x48, 8, PLUS_R | INV64, i -> DEC_REG);
    }

    private static boolean lockedCompare(DecodedInsn i, int op) {
        return op == CMP && i.hasPrefix(Insn.P_LOCK);
    }

    /** op r/m, reg. */
    private static Op rmReg(int op, DecodedInsn i) {
        Op fast = AluFast.rmReg(op, i);
        if (fast != null) {
            return fast;
        }
        if (i.rm >= 0) {
            if (op == CMP) {
                return (c, x) -> compute(c, CMP, c.reg(x.rm(), x.opSize()), c.reg(x.reg(), x.opSize()), x.opSize());
            }
            if (op == XOR && i.rm == i.reg && i.opSize >= 4) {
                return (c, x) -> {
                    c.setReg(x.rm(), 0);
                    c.flags.logic(0, x.opSize());
                };
            }
            return (c, x) -> {
                int s = x.opSize();
                c.setReg(x.rm(), s, compute(c, op, c.reg(x.rm(), s), c.reg(x.reg(), s), s));
            };
        }
        if (op == CMP) {
            return (c, x) -> compute(c, CMP, c.read(x.seg(), Operands.ea(c, x), x.opSize()), c.reg(x.reg(), x.opSize()),
                    x.opSize());
        }
        if (i.hasPrefix(Insn.P_LOCK)) {
            return Atomics.locked(op, false);
        }
        return (c, x) -> {
            int s = x.opSize();
            long lin = Operands.linearRmw(c, x, s);
            c.mmu.write(lin, s, compute(c, op, c.mmu.readForWrite(lin, s), c.reg(x.reg(), s), s));
        };
    }

    /** op reg, r/m. */
    private static Op regRm(int op, DecodedInsn i) {
        Op fast = AluFast.regRm(op, i);
        if (fast != null) {
            return fast;
        }
        if (i.rm >= 0) {
            if (op == CMP) {
                return (c, x) -> compute(c, CMP, c.reg(x.reg(), x.opSize()), c.reg(x.rm(), x.opSize()), x.opSize());
            }
            return (c, x) -> {
                int s = x.opSize();
                c.setReg(x.reg(), s, compute(c, op, c.reg(x.reg(), s), c.reg(x.rm(), s), s));
            };
        }
        if (op == CMP) {
            return (c, x) -> compute(c, CMP, c.reg(x.reg(), x.opSize()), c.read(x.seg(), Operands.ea(c, x), x.opSize()),
                    x.opSize());
        }
        return (c, x) -> {
            int s = x.opSize();
            c.setReg(x.reg(), s, compute(c, op, c.reg(x.reg(), s), c.read(x.seg(), Operands.ea(c, x), s), s));
        };
    }

    /** CMP AL/AX/EAX/RAX, imm. */
    static final Op CMP_ACC_IMM = Alu::cmpAccImm;
    static void cmpAccImm(Cpu c, Insn x) {
        compute(c, CMP, c.reg(Cpu.RAX, x.opSize()), Operands.mask(x.imm(), x.opSize()), x.opSize());
    }


    private static Op accImm(int op) {
        if (op == CMP) {
            return CMP_ACC_IMM;
        }
        return (c, x) -> {
            int s = x.opSize();
            long r = compute(c, op, c.reg(Cpu.RAX, s), Operands.mask(x.imm(), s), s);
            if (op != CMP) {
                c.setReg(Cpu.RAX, s, r);
            }
        };
    }

    /** 80-83: op r/m, imm. */
    private static Op group1(DecodedInsn i) {
        int op = i.sub;
        if (lockedCompare(i, op)) {
            return null;
        }
        Op fast = AluFast.immediate(op, i);
        if (fast != null) {
            return fast;
        }
        if (i.rm >= 0) {
            if (op == CMP) {
                return CMP_RI;
            }
            return (c, x) -> {
                int s = x.opSize();
                c.setReg(x.rm(), s, compute(c, op, c.reg(x.rm(), s), Operands.mask(x.imm(), s), s));
            };
        }
        if (op == CMP) {
            return CMP_MI;
        }
        if (i.hasPrefix(Insn.P_LOCK)) {
            return Atomics.locked(op, true);
        }
        return (c, x) -> {
            int s = x.opSize();
            long lin = Operands.linearRmw(c, x, s);
            c.mmu.write(lin, s, compute(c, op, c.mmu.readForWrite(lin, s), Operands.mask(x.imm(), s), s));
        };
    }

    /** CMP r/m, imm (80-83 /7) at 8 or 16 bits, or to memory. */
    static final Op CMP_RI = Alu::cmpRI;
    static void cmpRI(Cpu c, Insn x) {
        compute(c, CMP, c.reg(x.rm(), x.opSize()), Operands.mask(x.imm(), x.opSize()), x.opSize());
    }

    static final Op CMP_MI = Alu::cmpMI;
    static void cmpMI(Cpu c, Insn x) {
        compute(c, CMP, c.read(x.seg(), Operands.ea(c, x), x.opSize()), Operands.mask(x.imm(), x.opSize()), x.opSize());
    }


    /** TEST r/m, reg at 8 or 16 bits, or with memory. */
    static final Op TEST_RR = Alu::testRR;
    static void testRR(Cpu c, Insn x) {
        c.flags.logic(c.reg(x.rm(), x.opSize()) & c.reg(x.reg(), x.opSize()), x.opSize());
    }

    static final Op TEST_MR = Alu::testMR;
    static void testMR(Cpu c, Insn x) {
        c.flags.logic(c.read(x.seg(), Operands.ea(c, x), x.opSize()) & c.reg(x.reg(), x.opSize()), x.opSize());
    }


    private static Op test(DecodedInsn i) {
        if (i.rm >= 0 && i.opSize >= 4) {
            return i.opSize == 8 ? AluFast.TEST_RR64 : AluFast.TEST_RR32;
        }
        return i.rm >= 0 ? TEST_RR : TEST_MR;
    }

    static final Op TEST_ACC = Alu::testAcc;
    static void testAcc(Cpu c, Insn x) {
        c.flags.logic(c.reg(Cpu.RAX, x.opSize()) & x.imm(), x.opSize());
    }


    static final Op TEST_RM_IMM = Alu::testRMImm;
    static void testRMImm(Cpu c, Insn x) {
        c.flags.logic(Operands.readRm(c, x, x.opSize()) & x.imm(), x.opSize());
    }


    /** F6/F7: TEST, NOT, NEG here; MUL, IMUL, DIV, IDIV in {@link MulDiv}. */
    private static Op group3(DecodedInsn i) {
        boolean locked = i.hasPrefix(Insn.P_LOCK);
        return switch (i.sub) {
            case 0, 1 -> locked ? null : TEST_RM_IMM;
            case 2 -> locked && i.rm < 0 ? Atomics.locked(Atomics.NOT, false) : NOT;
            case 3 -> locked && i.rm < 0 ? Atomics.locked(Atomics.NEG, false) : NEG;
            default -> locked ? null : MulDiv.group3(i);
        };
    }

    static final Op NOT = Alu::not;
    static void not(Cpu c, Insn x) {
        int s = x.opSize();
        if (x.rm() >= 0) {
            c.setReg(x.rm(), s, ~c.reg(x.rm(), s));
        } else {
            long lin = Operands.linearRmw(c, x, s);
            c.mmu.write(lin, s, ~c.mmu.readForWrite(lin, s));
        }
    }


    static final Op NEG = Alu::neg;
    static void neg(Cpu c, Insn x) {
        int s = x.opSize();
        if (x.rm() >= 0) {
            long v = c.reg(x.rm(), s);
            c.setReg(x.rm(), s, neg(c, v, s));
        } else {
            long lin = Operands.linearRmw(c, x, s);
            c.mmu.write(lin, s, neg(c, c.mmu.readForWrite(lin, s), s));
        }
    }


    private static long neg(Cpu c, long v, int s) {
        long r = -v;
        c.flags.set(Flags.SUB, 0, v, r, s);
        return r;
    }

    /** FE/FF /0 /1. */
    static Op incDec(DecodedInsn i) {
        boolean inc = i.sub == 0;
        if (i.hasPrefix(Insn.P_LOCK) && i.rm < 0) {
            return Atomics.locked(inc ? Atomics.INC : Atomics.DEC, false);
        }
        if (i.rm >= 0) {
            return inc ? INC_RM_REG : DEC_RM_REG;
        }
        return inc ? INC_MEM : DEC_MEM;
    }

    static final Op INC_RM_REG = Alu::incRMReg;
    static void incRMReg(Cpu c, Insn x) {
        incDecRegister(c, x.rm(), x.opSize(), true);
    }

    static final Op DEC_RM_REG = Alu::decRMReg;
    static void decRMReg(Cpu c, Insn x) {
        incDecRegister(c, x.rm(), x.opSize(), false);
    }

    static final Op INC_MEM = Alu::incMem;
    static void incMem(Cpu c, Insn x) {
        incDecMemory(c, x, true);
    }

    static final Op DEC_MEM = Alu::decMem;
    static void decMem(Cpu c, Insn x) {
        incDecMemory(c, x, false);
    }


    private static void incDecRegister(Cpu c, int reg, int s, boolean inc) {
        long v = c.reg(reg, s);
        long r = inc ? v + 1 : v - 1;
        c.flags.incDec(inc, v, r, s);
        c.setReg(reg, s, r);
    }

    private static void incDecMemory(Cpu c, Insn x, boolean inc) {
        int s = x.opSize();
        long lin = Operands.linearRmw(c, x, s);
        long v = c.mmu.readForWrite(lin, s);
        long r = inc ? v + 1 : v - 1;
        c.flags.incDec(inc, v, r, s);
        c.mmu.write(lin, s, r);
    }

    private static final Op INC_REG = (c, x) -> incDecRegister(c, x.reg(), x.opSize(), true);
    private static final Op DEC_REG = (c, x) -> incDecRegister(c, x.reg(), x.opSize(), false);
}
