package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;

/**
 * The common ALU forms (ADD OR AND SUB XOR CMP, TEST) at 32 and 64 bits, one handler per
 * operation and form, so each is a few lines of straight code with no size or operation
 * switch. {@link Alu} keeps the general forms (8/16-bit, ADC/SBB) and falls back here.
 */
final class AluFast {
    private AluFast() { }

    static long add64(Flags f, long a, long b) {
        long r = a + b;
        f.set64(Flags.ADD, a, b, r);
        return r;
    }

    static long sub64(Flags f, long a, long b) {
        long r = a - b;
        f.set64(Flags.SUB, a, b, r);
        return r;
    }

    static long and64(Flags f, long a, long b) {
        long r = a & b;
        f.logic64(r);
        return r;
    }

    static long or64(Flags f, long a, long b) {
        long r = a | b;
        f.logic64(r);
        return r;
    }

    static long xor64(Flags f, long a, long b) {
        long r = a ^ b;
        f.logic64(r);
        return r;
    }

    static long add32(Flags f, long a, long b) {
        int r = (int) a + (int) b;
        f.set64(Flags.ADD, (int) a, (int) b, r);
        return r & 0xFFFF_FFFFL;
    }

    static long sub32(Flags f, long a, long b) {
        int r = (int) a - (int) b;
        f.set64(Flags.SUB, (int) a, (int) b, r);
        return r & 0xFFFF_FFFFL;
    }

    static long and32(Flags f, long a, long b) {
        int r = (int) a & (int) b;
        f.logic64(r);
        return r & 0xFFFF_FFFFL;
    }

    static long or32(Flags f, long a, long b) {
        int r = (int) a | (int) b;
        f.logic64(r);
        return r & 0xFFFF_FFFFL;
    }

    static long xor32(Flags f, long a, long b) {
        int r = (int) a ^ (int) b;
        f.logic64(r);
        return r & 0xFFFF_FFFFL;
    }

    /** Register destination, register source (opcodes 01, 09, 21, 29, 31, 39 and their 03.. twins). */
    static final Op ADD_RR64 = AluFast::addRR64;
    static void addRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), add64(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op OR_RR64 = AluFast::orRR64;
    static void orRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), or64(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op AND_RR64 = AluFast::andRR64;
    static void andRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), and64(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op SUB_RR64 = AluFast::subRR64;
    static void subRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), sub64(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op XOR_RR64 = AluFast::xorRR64;
    static void xorRR64(Cpu c, Insn x) {
        c.setReg(x.rm(), xor64(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op CMP_RR64 = AluFast::cmpRR64;
    static void cmpRR64(Cpu c, Insn x) {
        sub64(c.flags, c.reg(x.rm()), c.reg(x.reg()));
    }

    private static final Op[] RR64 = {ADD_RR64, OR_RR64, null, null, AND_RR64, SUB_RR64, XOR_RR64, CMP_RR64};

    static final Op ADD_RR32 = AluFast::addRR32;
    static void addRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), add32(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op OR_RR32 = AluFast::orRR32;
    static void orRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), or32(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op AND_RR32 = AluFast::andRR32;
    static void andRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), and32(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op SUB_RR32 = AluFast::subRR32;
    static void subRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), sub32(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op XOR_RR32 = AluFast::xorRR32;
    static void xorRR32(Cpu c, Insn x) {
        c.setReg(x.rm(), xor32(c.flags, c.reg(x.rm()), c.reg(x.reg())));
    }

    static final Op CMP_RR32 = AluFast::cmpRR32;
    static void cmpRR32(Cpu c, Insn x) {
        sub32(c.flags, c.reg(x.rm()), c.reg(x.reg()));
    }

    private static final Op[] RR32 = {ADD_RR32, OR_RR32, null, null, AND_RR32, SUB_RR32, XOR_RR32, CMP_RR32};

    /** Register destination, immediate source (80-83 with a register, 04/05 forms use the same). */
    static final Op ADD_RI64 = AluFast::addRI64;
    static void addRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), add64(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op OR_RI64 = AluFast::orRI64;
    static void orRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), or64(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op AND_RI64 = AluFast::andRI64;
    static void andRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), and64(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op SUB_RI64 = AluFast::subRI64;
    static void subRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), sub64(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op XOR_RI64 = AluFast::xorRI64;
    static void xorRI64(Cpu c, Insn x) {
        c.setReg(x.rm(), xor64(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op CMP_RI64 = AluFast::cmpRI64;
    static void cmpRI64(Cpu c, Insn x) {
        sub64(c.flags, c.reg(x.rm()), x.imm());
    }

    private static final Op[] RI64 = {ADD_RI64, OR_RI64, null, null, AND_RI64, SUB_RI64, XOR_RI64, CMP_RI64};

    static final Op ADD_RI32 = AluFast::addRI32;
    static void addRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), add32(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op OR_RI32 = AluFast::orRI32;
    static void orRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), or32(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op AND_RI32 = AluFast::andRI32;
    static void andRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), and32(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op SUB_RI32 = AluFast::subRI32;
    static void subRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), sub32(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op XOR_RI32 = AluFast::xorRI32;
    static void xorRI32(Cpu c, Insn x) {
        c.setReg(x.rm(), xor32(c.flags, c.reg(x.rm()), x.imm()));
    }

    static final Op CMP_RI32 = AluFast::cmpRI32;
    static void cmpRI32(Cpu c, Insn x) {
        sub32(c.flags, c.reg(x.rm()), x.imm());
    }

    private static final Op[] RI32 = {ADD_RI32, OR_RI32, null, null, AND_RI32, SUB_RI32, XOR_RI32, CMP_RI32};

    /** Register destination, memory source (02/03 forms). */
    static final Op ADD_RM64 = AluFast::addRM64;
    static void addRM64(Cpu c, Insn x) {
        c.setReg(x.reg(), add64(c.flags, c.reg(x.reg()), load64(c, x)));
    }

    static final Op OR_RM64 = AluFast::orRM64;
    static void orRM64(Cpu c, Insn x) {
        c.setReg(x.reg(), or64(c.flags, c.reg(x.reg()), load64(c, x)));
    }

    static final Op AND_RM64 = AluFast::andRM64;
    static void andRM64(Cpu c, Insn x) {
        c.setReg(x.reg(), and64(c.flags, c.reg(x.reg()), load64(c, x)));
    }

    static final Op SUB_RM64 = AluFast::subRM64;
    static void subRM64(Cpu c, Insn x) {
        c.setReg(x.reg(), sub64(c.flags, c.reg(x.reg()), load64(c, x)));
    }

    static final Op XOR_RM64 = AluFast::xorRM64;
    static void xorRM64(Cpu c, Insn x) {
        c.setReg(x.reg(), xor64(c.flags, c.reg(x.reg()), load64(c, x)));
    }

    static final Op CMP_RM64 = AluFast::cmpRM64;
    static void cmpRM64(Cpu c, Insn x) {
        sub64(c.flags, c.reg(x.reg()), load64(c, x));
    }

    private static final Op[] RM64 = {ADD_RM64, OR_RM64, null, null, AND_RM64, SUB_RM64, XOR_RM64, CMP_RM64};

    static final Op ADD_RM32 = AluFast::addRM32;
    static void addRM32(Cpu c, Insn x) {
        c.setReg(x.reg(), add32(c.flags, c.reg(x.reg()), load32(c, x)));
    }

    static final Op OR_RM32 = AluFast::orRM32;
    static void orRM32(Cpu c, Insn x) {
        c.setReg(x.reg(), or32(c.flags, c.reg(x.reg()), load32(c, x)));
    }

    static final Op AND_RM32 = AluFast::andRM32;
    static void andRM32(Cpu c, Insn x) {
        c.setReg(x.reg(), and32(c.flags, c.reg(x.reg()), load32(c, x)));
    }

    static final Op SUB_RM32 = AluFast::subRM32;
    static void subRM32(Cpu c, Insn x) {
        c.setReg(x.reg(), sub32(c.flags, c.reg(x.reg()), load32(c, x)));
    }

    static final Op XOR_RM32 = AluFast::xorRM32;
    static void xorRM32(Cpu c, Insn x) {
        c.setReg(x.reg(), xor32(c.flags, c.reg(x.reg()), load32(c, x)));
    }

    static final Op CMP_RM32 = AluFast::cmpRM32;
    static void cmpRM32(Cpu c, Insn x) {
        sub32(c.flags, c.reg(x.reg()), load32(c, x));
    }

    private static final Op[] RM32 = {ADD_RM32, OR_RM32, null, null, AND_RM32, SUB_RM32, XOR_RM32, CMP_RM32};

    /** CMP memory, register and CMP memory, immediate: no write-back. */
    static final Op CMP_MR64 = AluFast::cmpMR64;
    static void cmpMR64(Cpu c, Insn x) {
        sub64(c.flags, load64(c, x), c.reg(x.reg()));
    }

    static final Op CMP_MR32 = AluFast::cmpMR32;
    static void cmpMR32(Cpu c, Insn x) {
        sub32(c.flags, load32(c, x), c.reg(x.reg()));
    }

    static final Op CMP_MI64 = AluFast::cmpMI64;
    static void cmpMI64(Cpu c, Insn x) {
        sub64(c.flags, load64(c, x), x.imm());
    }

    static final Op CMP_MI32 = AluFast::cmpMI32;
    static void cmpMI32(Cpu c, Insn x) {
        sub32(c.flags, load32(c, x), x.imm());
    }


    static final Op TEST_RR64 = AluFast::testRR64;
    static void testRR64(Cpu c, Insn x) {
        and64(c.flags, c.reg(x.rm()), c.reg(x.reg()));
    }

    static final Op TEST_RR32 = AluFast::testRR32;
    static void testRR32(Cpu c, Insn x) {
        and32(c.flags, c.reg(x.rm()), c.reg(x.reg()));
    }


    static long load64(Cpu c, Insn x) {
        return x.flat() ? c.mmu.read64(Operands.ea(c, x)) : c.read64(x.seg(), Operands.ea(c, x));
    }

    static long load32(Cpu c, Insn x) {
        return (x.flat() ? c.mmu.read32(Operands.ea(c, x)) : c.read32(x.seg(), Operands.ea(c, x))) & 0xFFFF_FFFFL;
    }

    /** The fast handler for ALU operation {@code op} in this form, or null (8/16-bit, ADC, SBB). */
    static Op rmReg(int op, DecodedInsn i) {
        if (i.opSize < 4) {
            return null;
        }
        if (i.rm >= 0) {
            return (i.opSize == 8 ? RR64 : RR32)[op];
        }
        if (op == Alu.CMP) {
            return i.opSize == 8 ? CMP_MR64 : CMP_MR32;
        }
        return null;
    }

    static Op regRm(int op, DecodedInsn i) {
        if (i.opSize < 4 || i.rm >= 0) {
            return null;
        }
        return (i.opSize == 8 ? RM64 : RM32)[op];
    }

    static Op immediate(int op, DecodedInsn i) {
        if (i.opSize < 4) {
            return null;
        }
        if (i.rm >= 0) {
            return (i.opSize == 8 ? RI64 : RI32)[op];
        }
        if (op == Alu.CMP) {
            return i.opSize == 8 ? CMP_MI64 : CMP_MI32;
        }
        return null;
    }
}
