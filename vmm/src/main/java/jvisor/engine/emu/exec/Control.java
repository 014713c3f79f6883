package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeMaps.TWO_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;
import static jvisor.engine.emu.decode.OpcodeSpec.FAR;
import static jvisor.engine.emu.decode.OpcodeSpec.FORCE64;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM16;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;
import static jvisor.engine.emu.decode.OpcodeSpec.IMMZ;
import static jvisor.engine.emu.decode.OpcodeSpec.INV64;
import static jvisor.engine.emu.decode.OpcodeSpec.LOCKABLE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.FarTransfers;
import jvisor.engine.emu.cpu.Interrupts;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * Control transfers: Jcc, JMP, CALL and RET (near, indirect, far), LOOP/JCXZ, INT n/INT3/INTO/INT1
 * and IRET. Relative targets are resolved at decode time into {@link Insn#imm2}. Every handler
 * here sets RIP; they all end their block.
 */
public final class Control {
    private Control() { }

    static void register(OpcodeMaps m) {
        m.putRange(ONE_BYTE, 0x70, 16, IMM8 | FORCE64 | ENDS, i -> jcc(i, i.opcode & 0xF));
        m.putRange(TWO_BYTE, 0x80, 16, IMMZ | FORCE64 | ENDS, i -> jcc(i, i.opcode & 0xF));
        m.put(ONE_BYTE, 0xEB, IMM8 | FORCE64 | ENDS, Control::jmp);
        m.put(ONE_BYTE, 0xE9, IMMZ | FORCE64 | ENDS, Control::jmp);
        m.put(ONE_BYTE, 0xE8, IMMZ | FORCE64 | ENDS, Control::call);
        m.put(ONE_BYTE, 0xC3, FORCE64 | ENDS, i -> RET);
        m.put(ONE_BYTE, 0xC2, IMM16 | FORCE64 | ENDS, i -> RET);
        m.putRange(ONE_BYTE, 0xE0, 4, IMM8 | FORCE64 | ENDS, Control::loop);
        m.put(ONE_BYTE, 0xEA, FAR | INV64 | ENDS, i -> JMP_FAR);
        m.put(ONE_BYTE, 0x9A, FAR | INV64 | ENDS, i -> CALL_FAR);
        m.put(ONE_BYTE, 0xCA, IMM16 | ENDS, i -> RET_FAR);
        m.put(ONE_BYTE, 0xCB, ENDS, i -> RET_FAR);
        m.put(ONE_BYTE, 0xCC, ENDS, i -> software(Vectors.BP, Interrupts.Source.SOFTWARE));
        m.put(ONE_BYTE, 0xCD, IMM8 | ENDS, i -> software(-1, Interrupts.Source.SOFTWARE));
        m.put(ONE_BYTE, 0xCE, INV64 | ENDS, i -> INTO);
        m.put(ONE_BYTE, 0xF1, ENDS, i -> ICEBP);
        m.put(ONE_BYTE, 0xCF, ENDS, i -> IRET);
        m.put(ONE_BYTE, 0xFF, MODRM | LOCKABLE, Control::groupFF);
    }

    /** The mask of a near target at operand size {@code size}. */
    private static long ipMask(int size) {
        return size == 8 ? -1L : size == 4 ? 0xFFFF_FFFFL : 0xFFFF;
    }

    private static void resolve(DecodedInsn i) {
        i.imm2 = (i.nextRip + i.imm) & ipMask(i.opSize);
    }

    /** Whether a near target may be jumped to: canonical in 64-bit mode, within CS's limit elsewhere. */
    static long checkTarget(Cpu c, long target) {
        if (c.mode64()) {
            if ((target << 16 >> 16) != target) {
                throw c.fault(Vectors.GP, 0);
            }
        } else if (target > (c.seg(Cpu.CS).limit() & 0xFFFF_FFFFL)) {
            throw c.fault(Vectors.GP, 0);
        }
        return target;
    }

    private static boolean canonical(long v) {
        return (v << 16 >> 16) == v;
    }

    private static final Op GP_ON_EXECUTE = (c, x) -> {
        throw c.fault(Vectors.GP, 0);
    };

    private static Op jcc(DecodedInsn i, int cc) {
        resolve(i);
        if (i.mode64 && canonical(i.imm2)) {
            return JCC64[cc];
        }
        return (c, x) -> c.setRip(c.flags.condition(cc) ? checkTarget(c, x.imm2()) : x.nextRip());
    }

    /** Jcc in 64-bit mode with a canonical target: one handler per condition, each one test. */
    static final Op JO64 = Control::jo64;
    static void jo64(Cpu c, Insn x) {
        c.setRip(c.flags.of() ? x.imm2() : x.nextRip());
    }

    static final Op JNO64 = Control::jno64;
    static void jno64(Cpu c, Insn x) {
        c.setRip(c.flags.of() ? x.nextRip() : x.imm2());
    }

    static final Op JB64 = Control::jb64;
    static void jb64(Cpu c, Insn x) {
        c.setRip(c.flags.below() ? x.imm2() : x.nextRip());
    }

    static final Op JAE64 = Control::jae64;
    static void jae64(Cpu c, Insn x) {
        c.setRip(c.flags.below() ? x.nextRip() : x.imm2());
    }

    static final Op JE64 = Control::je64;
    static void je64(Cpu c, Insn x) {
        c.setRip(c.flags.zf() ? x.imm2() : x.nextRip());
    }

    static final Op JNE64 = Control::jne64;
    static void jne64(Cpu c, Insn x) {
        c.setRip(c.flags.zf() ? x.nextRip() : x.imm2());
    }

    static final Op JBE64 = Control::jbe64;
    static void jbe64(Cpu c, Insn x) {
        c.setRip(c.flags.belowOrEqual() ? x.imm2() : x.nextRip());
    }

    static final Op JA64 = Control::ja64;
    static void ja64(Cpu c, Insn x) {
        c.setRip(c.flags.belowOrEqual() ? x.nextRip() : x.imm2());
    }

    static final Op JS64 = Control::js64;
    static void js64(Cpu c, Insn x) {
        c.setRip(c.flags.sf() ? x.imm2() : x.nextRip());
    }

    static final Op JNS64 = Control::jns64;
    static void jns64(Cpu c, Insn x) {
        c.setRip(c.flags.sf() ? x.nextRip() : x.imm2());
    }

    static final Op JP64 = Control::jp64;
    static void jp64(Cpu c, Insn x) {
        c.setRip(c.flags.pf() ? x.imm2() : x.nextRip());
    }

    static final Op JNP64 = Control::jnp64;
    static void jnp64(Cpu c, Insn x) {
        c.setRip(c.flags.pf() ? x.nextRip() : x.imm2());
    }

    static final Op JL64 = Control::jl64;
    static void jl64(Cpu c, Insn x) {
        c.setRip(c.flags.less() ? x.imm2() : x.nextRip());
    }

    static final Op JGE64 = Control::jge64;
    static void jge64(Cpu c, Insn x) {
        c.setRip(c.flags.less() ? x.nextRip() : x.imm2());
    }

    static final Op JLE64 = Control::jle64;
    static void jle64(Cpu c, Insn x) {
        c.setRip(c.flags.lessOrEqual() ? x.imm2() : x.nextRip());
    }

    static final Op JG64 = Control::jg64;
    static void jg64(Cpu c, Insn x) {
        c.setRip(c.flags.lessOrEqual() ? x.nextRip() : x.imm2());
    }

    private static final Op[] JCC64 = {
        JO64, JNO64, JB64, JAE64, JE64, JNE64, JBE64, JA64,
        JS64, JNS64, JP64, JNP64, JL64, JGE64, JLE64, JG64,
    };

    /** JMP and CALL rel in 64-bit mode with a canonical target. */
    static final Op JMP64 = Control::jmp64;
    static void jmp64(Cpu c, Insn x) {
        c.setRip(x.imm2());
    }

    static final Op CALL64 = Control::call64;
    static void call64(Cpu c, Insn x) {
        c.push(x.nextRip(), 8);
        c.setRip(x.imm2());
    }


    private static Op jmp(DecodedInsn i) {
        resolve(i);
        if (i.mode64) {
            return canonical(i.imm2) ? JMP64 : GP_ON_EXECUTE;
        }
        return (c, x) -> c.setRip(checkTarget(c, x.imm2()));
    }

    private static Op call(DecodedInsn i) {
        resolve(i);
        if (i.mode64) {
            return canonical(i.imm2) ? CALL64 : GP_ON_EXECUTE;
        }
        return (c, x) -> {
            checkTarget(c, x.imm2());
            c.push(x.nextRip(), x.opSize());
            c.setRip(x.imm2());
        };
    }

    static final Op RET = Control::ret;
    static void ret(Cpu c, Insn x) {
        int s = x.opSize();
        long target = c.peek(0, s);
        checkTarget(c, target);
        c.setStackPointer(c.stackPointer() + s + (x.imm() & 0xFFFF));
        c.setRip(target);
    }


    private static Op loop(DecodedInsn i) {
        resolve(i);
        int kind = i.opcode & 3;
        return (c, x) -> {
            int a = x.addrSize();
            long count = c.reg(Cpu.RCX, a);
            boolean taken;
            if (kind == 3) {
                taken = count == 0;
            } else {
                count = (count - 1) & ipMask(a);
                taken = count != 0 && switch (kind) {
                    case 0 -> !c.flags.zf();
                    case 1 -> c.flags.zf();
                    default -> true;
                };
                c.setReg(Cpu.RCX, a, count);
            }
            c.setRip(taken ? checkTarget(c, x.imm2()) : x.nextRip());
        };
    }

    private static final Op JMP_FAR = (c, x) -> FarTransfers.jump(c, (int) x.imm2(), x.imm());

    private static final Op CALL_FAR = (c, x) -> FarTransfers.call(c, (int) x.imm2(), x.imm(), x.opSize(), x.nextRip());

    private static final Op RET_FAR = (c, x) -> FarTransfers.ret(c, x.opSize(), (int) x.imm() & 0xFFFF);

    private static Op software(int fixedVector, Interrupts.Source source) {
        return (c, x) -> {
            int vector = fixedVector >= 0 ? fixedVector : (int) x.imm() & 0xFF;
            raise(c, x, vector, source);
        };
    }

    private static void raise(Cpu c, Insn x, int vector, Interrupts.Source source) {
        c.stepTrapSettled = true;
        if (!Interrupts.deliver(c, vector, CpuFault.NO_ERROR_CODE, source, x.nextRip(), x.rip())) {
            c.shutdown = true;
        }
    }

    /** INT1: a trap-class #DB; data breakpoints still pending (after MOV SS) are reported in the same one. */
    private static final Op ICEBP = (c, x) -> {
        if (c.debug.pending() != 0) {
            c.setDr6Bits(0);
        }
        raise(c, x, Vectors.DB, Interrupts.Source.ICEBP);
    };

    private static final Op INTO = (c, x) -> {
        if (c.flags.of()) {
            raise(c, x, Vectors.OF, Interrupts.Source.SOFTWARE);
        } else {
            c.setRip(x.nextRip());
        }
    };

    private static final Op IRET = (c, x) -> {
        FarTransfers.iret(c, x.opSize());
        if (c.nmiBlocked) {
            c.nmiBlocked = false;
            c.lapic().nmiHandlerDone();
        }
    };

    /** FF: INC, DEC, CALL, CALL far, JMP, JMP far, PUSH. */
    private static Op groupFF(DecodedInsn i) {
        boolean locked = i.hasPrefix(Insn.P_LOCK);
        if (locked && i.sub > 1) {
            return null;
        }
        switch (i.sub) {
            case 0, 1 -> {
                return Alu.incDec(i);
            }
            case 2, 4 -> {
                if (i.mode64) {
                    i.opSize = 8;
                }
                i.endsBlock = true;
                return i.sub == 2 ? CALL_INDIRECT : JMP_INDIRECT;
            }
            case 3, 5 -> {
                if (i.rm >= 0) {
                    return null;
                }
                i.endsBlock = true;
                return i.sub == 3 ? CALL_FAR_INDIRECT : JMP_FAR_INDIRECT;
            }
            case 6 -> {
                if (i.mode64) {
                    i.opSize = i.hasPrefix(Insn.P_OPSIZE) ? 2 : 8;
                }
                return Stack.PUSH_RM;
            }
            default -> {
                return null;
            }
        }
    }

    static final Op CALL_INDIRECT = Control::callIndirect;
    static void callIndirect(Cpu c, Insn x) {
        long target = checkTarget(c, Operands.readRm(c, x, x.opSize()));
        c.push(x.nextRip(), x.opSize());
        c.setRip(target);
    }


    static final Op JMP_INDIRECT = Control::jmpIndirect;
    static void jmpIndirect(Cpu c, Insn x) {
        c.setRip(checkTarget(c, Operands.readRm(c, x, x.opSize())));
    }


    private static final Op CALL_FAR_INDIRECT = (c, x) -> {
        long ea = Operands.ea(c, x);
        long offset = c.read(x.seg(), ea, x.opSize());
        int selector = c.read16(x.seg(), (ea + x.opSize()) & x.addrMask());
        FarTransfers.call(c, selector, offset, x.opSize(), x.nextRip());
    };

    private static final Op JMP_FAR_INDIRECT = (c, x) -> {
        long ea = Operands.ea(c, x);
        long offset = c.read(x.seg(), ea, x.opSize());
        int selector = c.read16(x.seg(), (ea + x.opSize()) & x.addrMask());
        FarTransfers.jump(c, selector, offset);
    };
}
