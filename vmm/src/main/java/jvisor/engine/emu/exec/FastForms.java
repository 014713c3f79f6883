package jvisor.engine.emu.exec;

import java.lang.invoke.VarHandle;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The instruction forms a Linux boot interprets most (MOV, the 32/64-bit ALU forms, Jcc, PUSH/POP,
 * CALL/RET, LEA, ...), run by the interpreter from a switch on {@link Insn#fastForm} instead of
 * through {@link Op}, which is a megamorphic interface call (an itable stub, then an indirect jump)
 * per instruction. Each case calls the static method its handler is a reference to: C2 inlines the
 * frequent ones into the switch. (Through the handler it would not: a lambda's one-line exec is
 * compiled without a profile, so the call inside it looks never taken.) Compiled regions call the
 * handlers. {@code FastFormsTest} checks that each case runs what its handler runs.
 *
 * <p>Each case starts with {@link #caseBarrier}. Without it C2 merged the loads of the
 * instruction's fields (reg, rm, imm, ...) that many cases make into one load each and placed them
 * all before the switch, where every instruction paid for all of them and their spills: on the
 * sieve guest run by the interpreter alone, 73% of this method's perf samples were there. The
 * barriers' nodes in turn brought C2 to its node budget (NodeCountInliningCutoff) before it inlined
 * the frequent cases it parses last, so forms 85 on (after the ALU and TEST forms) are run by a
 * second method, {@link #execOther}, compiled on its own.
 */
public final class FastForms {
    private FastForms() { }

    /**
     * The handler of each fast form, by number less one: case {@code n} of {@link #exec} (or of
     * {@link #execOther} from 85 on) runs what {@code HANDLERS[n - 1]} runs.
     */
    static final Op[] HANDLERS = {
        Moves.STORE_RR64,
        Moves.STORE_RR32,
        Moves.LOAD_RR64,
        Moves.LOAD_RR32,
        Moves.LOAD_FLAT64,
        Moves.LOAD_FLAT32,
        Moves.LOAD_SEG64,
        Moves.LOAD_SEG32,
        Moves.STORE_FLAT64,
        Moves.STORE_FLAT32,
        Moves.STORE_FLAT8,
        Moves.STORE_SEG64,
        Moves.STORE_SEG32,
        Moves.STORE_IMM_REG64,
        Moves.STORE_IMM_REG32,
        Moves.MOV_REG_IMM64,
        Moves.MOV_REG_IMM32,
        Moves.MOVZX8,
        Moves.LEA64,
        Moves.LEA32,
        Moves.NOP,
        Stack.PUSH_REG64,
        Stack.POP_REG64,
        Control.JO64,
        Control.JNO64,
        Control.JB64,
        Control.JAE64,
        Control.JE64,
        Control.JNE64,
        Control.JBE64,
        Control.JA64,
        Control.JS64,
        Control.JNS64,
        Control.JP64,
        Control.JNP64,
        Control.JL64,
        Control.JGE64,
        Control.JLE64,
        Control.JG64,
        Control.JMP64,
        Control.CALL64,
        Control.RET,
        AluFast.ADD_RR64,
        AluFast.OR_RR64,
        AluFast.AND_RR64,
        AluFast.SUB_RR64,
        AluFast.XOR_RR64,
        AluFast.CMP_RR64,
        AluFast.ADD_RR32,
        AluFast.OR_RR32,
        AluFast.AND_RR32,
        AluFast.SUB_RR32,
        AluFast.XOR_RR32,
        AluFast.CMP_RR32,
        AluFast.ADD_RI64,
        AluFast.OR_RI64,
        AluFast.AND_RI64,
        AluFast.SUB_RI64,
        AluFast.XOR_RI64,
        AluFast.CMP_RI64,
        AluFast.ADD_RI32,
        AluFast.OR_RI32,
        AluFast.AND_RI32,
        AluFast.SUB_RI32,
        AluFast.XOR_RI32,
        AluFast.CMP_RI32,
        AluFast.ADD_RM64,
        AluFast.OR_RM64,
        AluFast.AND_RM64,
        AluFast.SUB_RM64,
        AluFast.XOR_RM64,
        AluFast.CMP_RM64,
        AluFast.ADD_RM32,
        AluFast.OR_RM32,
        AluFast.AND_RM32,
        AluFast.SUB_RM32,
        AluFast.XOR_RM32,
        AluFast.CMP_RM32,
        AluFast.CMP_MR64,
        AluFast.CMP_MR32,
        AluFast.CMP_MI64,
        AluFast.CMP_MI32,
        AluFast.TEST_RR64,
        AluFast.TEST_RR32,
        Moves.STORE_RR,
        Moves.LOAD_RR,
        Moves.STORE_IMM,
        Moves.STORE_IMM_FLAT8,
        Moves.MOVZX16,
        Moves.MOVSX8,
        Moves.MOVSX16,
        Moves.MOVSXD,
        Alu.CMP_RI,
        Alu.CMP_MI,
        Alu.CMP_ACC_IMM,
        Alu.TEST_RR,
        Alu.TEST_MR,
        Alu.TEST_ACC,
        Alu.TEST_RM_IMM,
        Alu.INC_RM_REG,
        Alu.DEC_RM_REG,
        Alu.INC_MEM,
        Alu.DEC_MEM,
        Stack.PUSH_REG,
        Stack.POP_REG,
        Stack.PUSH_IMM,
        Control.CALL_INDIRECT,
        Control.JMP_INDIRECT,
        MulDiv.IMUL2,
        MulDiv.IMUL3,
        MulDiv.MUL,
        MulDiv.IMUL1,
        MulDiv.DIV,
        MulDiv.IDIV,
        Moves.STORE_MEM,
        Moves.LOAD_MEM,
        Moves.CMOV,
        Moves.SETCC,
        Moves.BSWAP,
        Moves.WIDEN_ACC,
        Moves.SIGN_TO_RDX,
        Moves.MOV_FROM_SREG,
        Alu.NOT,
        Alu.NEG,
        Stack.PUSHF,
        Stack.POPF,
        Stack.LEAVE,
        SystemInsns.CLI,
        SystemInsns.STI,
        Shifts.GROUP2_REG_IMM,
        Shifts.GROUP2_REG_ONE,
        Shifts.GROUP2_REG_CL,
        Shifts.GROUP2_MEM_IMM,
        Shifts.GROUP2_MEM_ONE,
        Shifts.GROUP2_MEM_CL,
        Shifts.SHL_RI64,
        Shifts.SHR_RI64,
        Shifts.SAR_RI64,
        Shifts.ROL_RI64,
        Shifts.ROR_RI64,
        Shifts.SHL_RI32,
        Shifts.SHR_RI32,
        Shifts.SAR_RI32,
        Shifts.ROL_RI32,
        Shifts.ROR_RI32,
    };

    static void register(OpcodeMaps m) {
        for (int k = 0; k < HANDLERS.length; k++) {
            m.putFastForm(HANDLERS[k], k + 1);
        }
    }

    /**
     * A compiler-only barrier (C2 emits no instruction for it on x86): the loads after it cannot
     * be merged with those of another case, nor moved above it.
     */
    private static void caseBarrier() {
        VarHandle.loadLoadFence();
    }

    /** Runs instruction {@code x}: its handler's body from the switch if it is a fast form, else through the handler. */
    public static void exec(Cpu c, Insn x) {
        switch (x.fastForm()) {
            case 1 -> { caseBarrier(); Moves.storeRR64(c, x); }
            case 2 -> { caseBarrier(); Moves.storeRR32(c, x); }
            case 3 -> { caseBarrier(); Moves.loadRR64(c, x); }
            case 4 -> { caseBarrier(); Moves.loadRR32(c, x); }
            case 5 -> { caseBarrier(); Moves.loadFlat64(c, x); }
            case 6 -> { caseBarrier(); Moves.loadFlat32(c, x); }
            case 7 -> { caseBarrier(); Moves.loadSeg64(c, x); }
            case 8 -> { caseBarrier(); Moves.loadSeg32(c, x); }
            case 9 -> { caseBarrier(); Moves.storeFlat64(c, x); }
            case 10 -> { caseBarrier(); Moves.storeFlat32(c, x); }
            case 11 -> { caseBarrier(); Moves.storeFlat8(c, x); }
            case 12 -> { caseBarrier(); Moves.storeSeg64(c, x); }
            case 13 -> { caseBarrier(); Moves.storeSeg32(c, x); }
            case 14 -> { caseBarrier(); Moves.storeImmReg64(c, x); }
            case 15 -> { caseBarrier(); Moves.storeImmReg32(c, x); }
            case 16 -> { caseBarrier(); Moves.movRegImm64(c, x); }
            case 17 -> { caseBarrier(); Moves.movRegImm32(c, x); }
            case 18 -> { caseBarrier(); Moves.movzx8(c, x); }
            case 19 -> { caseBarrier(); Moves.lea64(c, x); }
            case 20 -> { caseBarrier(); Moves.lea32(c, x); }
            case 21 -> { caseBarrier(); Moves.nop(c, x); }
            case 22 -> { caseBarrier(); Stack.pushReg64(c, x); }
            case 23 -> { caseBarrier(); Stack.popReg64(c, x); }
            case 24 -> { caseBarrier(); Control.jo64(c, x); }
            case 25 -> { caseBarrier(); Control.jno64(c, x); }
            case 26 -> { caseBarrier(); Control.jb64(c, x); }
            case 27 -> { caseBarrier(); Control.jae64(c, x); }
            case 28 -> { caseBarrier(); Control.je64(c, x); }
            case 29 -> { caseBarrier(); Control.jne64(c, x); }
            case 30 -> { caseBarrier(); Control.jbe64(c, x); }
            case 31 -> { caseBarrier(); Control.ja64(c, x); }
            case 32 -> { caseBarrier(); Control.js64(c, x); }
            case 33 -> { caseBarrier(); Control.jns64(c, x); }
            case 34 -> { caseBarrier(); Control.jp64(c, x); }
            case 35 -> { caseBarrier(); Control.jnp64(c, x); }
            case 36 -> { caseBarrier(); Control.jl64(c, x); }
            case 37 -> { caseBarrier(); Control.jge64(c, x); }
            case 38 -> { caseBarrier(); Control.jle64(c, x); }
            case 39 -> { caseBarrier(); Control.jg64(c, x); }
            case 40 -> { caseBarrier(); Control.jmp64(c, x); }
            case 41 -> { caseBarrier(); Control.call64(c, x); }
            case 42 -> { caseBarrier(); Control.ret(c, x); }
            case 43 -> { caseBarrier(); AluFast.addRR64(c, x); }
            case 44 -> { caseBarrier(); AluFast.orRR64(c, x); }
            case 45 -> { caseBarrier(); AluFast.andRR64(c, x); }
            case 46 -> { caseBarrier(); AluFast.subRR64(c, x); }
            case 47 -> { caseBarrier(); AluFast.xorRR64(c, x); }
            case 48 -> { caseBarrier(); AluFast.cmpRR64(c, x); }
            case 49 -> { caseBarrier(); AluFast.addRR32(c, x); }
            case 50 -> { caseBarrier(); AluFast.orRR32(c, x); }
            case 51 -> { caseBarrier(); AluFast.andRR32(c, x); }
            case 52 -> { caseBarrier(); AluFast.subRR32(c, x); }
            case 53 -> { caseBarrier(); AluFast.xorRR32(c, x); }
            case 54 -> { caseBarrier(); AluFast.cmpRR32(c, x); }
            case 55 -> { caseBarrier(); AluFast.addRI64(c, x); }
            case 56 -> { caseBarrier(); AluFast.orRI64(c, x); }
            case 57 -> { caseBarrier(); AluFast.andRI64(c, x); }
            case 58 -> { caseBarrier(); AluFast.subRI64(c, x); }
            case 59 -> { caseBarrier(); AluFast.xorRI64(c, x); }
            case 60 -> { caseBarrier(); AluFast.cmpRI64(c, x); }
            case 61 -> { caseBarrier(); AluFast.addRI32(c, x); }
            case 62 -> { caseBarrier(); AluFast.orRI32(c, x); }
            case 63 -> { caseBarrier(); AluFast.andRI32(c, x); }
            case 64 -> { caseBarrier(); AluFast.subRI32(c, x); }
            case 65 -> { caseBarrier(); AluFast.xorRI32(c, x); }
            case 66 -> { caseBarrier(); AluFast.cmpRI32(c, x); }
            case 67 -> { caseBarrier(); AluFast.addRM64(c, x); }
            case 68 -> { caseBarrier(); AluFast.orRM64(c, x); }
            case 69 -> { caseBarrier(); AluFast.andRM64(c, x); }
            case 70 -> { caseBarrier(); AluFast.subRM64(c, x); }
            case 71 -> { caseBarrier(); AluFast.xorRM64(c, x); }
            case 72 -> { caseBarrier(); AluFast.cmpRM64(c, x); }
            case 73 -> { caseBarrier(); AluFast.addRM32(c, x); }
            case 74 -> { caseBarrier(); AluFast.orRM32(c, x); }
            case 75 -> { caseBarrier(); AluFast.andRM32(c, x); }
            case 76 -> { caseBarrier(); AluFast.subRM32(c, x); }
            case 77 -> { caseBarrier(); AluFast.xorRM32(c, x); }
            case 78 -> { caseBarrier(); AluFast.cmpRM32(c, x); }
            case 79 -> { caseBarrier(); AluFast.cmpMR64(c, x); }
            case 80 -> { caseBarrier(); AluFast.cmpMR32(c, x); }
            case 81 -> { caseBarrier(); AluFast.cmpMI64(c, x); }
            case 82 -> { caseBarrier(); AluFast.cmpMI32(c, x); }
            case 83 -> { caseBarrier(); AluFast.testRR64(c, x); }
            case 84 -> { caseBarrier(); AluFast.testRR32(c, x); }
            default -> execOther(c, x);
        }
    }

    /** The less frequent fast forms, and the handler of any other instruction. */
    private static void execOther(Cpu c, Insn x) {
        switch (x.fastForm()) {
            case 85 -> { caseBarrier(); Moves.storeRR(c, x); }
            case 86 -> { caseBarrier(); Moves.loadRR(c, x); }
            case 87 -> { caseBarrier(); Moves.storeImm(c, x); }
            case 88 -> { caseBarrier(); Moves.storeImmFlat8(c, x); }
            case 89 -> { caseBarrier(); Moves.movzx16(c, x); }
            case 90 -> { caseBarrier(); Moves.movsx8(c, x); }
            case 91 -> { caseBarrier(); Moves.movsx16(c, x); }
            case 92 -> { caseBarrier(); Moves.movsxd(c, x); }
            case 93 -> { caseBarrier(); Alu.cmpRI(c, x); }
            case 94 -> { caseBarrier(); Alu.cmpMI(c, x); }
            case 95 -> { caseBarrier(); Alu.cmpAccImm(c, x); }
            case 96 -> { caseBarrier(); Alu.testRR(c, x); }
            case 97 -> { caseBarrier(); Alu.testMR(c, x); }
            case 98 -> { caseBarrier(); Alu.testAcc(c, x); }
            case 99 -> { caseBarrier(); Alu.testRMImm(c, x); }
            case 100 -> { caseBarrier(); Alu.incRMReg(c, x); }
            case 101 -> { caseBarrier(); Alu.decRMReg(c, x); }
            case 102 -> { caseBarrier(); Alu.incMem(c, x); }
            case 103 -> { caseBarrier(); Alu.decMem(c, x); }
            case 104 -> { caseBarrier(); Stack.pushReg(c, x); }
            case 105 -> { caseBarrier(); Stack.popReg(c, x); }
            case 106 -> { caseBarrier(); Stack.pushImm(c, x); }
            case 107 -> { caseBarrier(); Control.callIndirect(c, x); }
            case 108 -> { caseBarrier(); Control.jmpIndirect(c, x); }
            case 109 -> { caseBarrier(); MulDiv.imul2(c, x); }
            case 110 -> { caseBarrier(); MulDiv.imul3(c, x); }
            case 111 -> { caseBarrier(); MulDiv.mul(c, x); }
            case 112 -> { caseBarrier(); MulDiv.imul1(c, x); }
            case 113 -> { caseBarrier(); MulDiv.div(c, x); }
            case 114 -> { caseBarrier(); MulDiv.idiv(c, x); }
            case 115 -> { caseBarrier(); Moves.storeMem(c, x); }
            case 116 -> { caseBarrier(); Moves.loadMem(c, x); }
            case 117 -> { caseBarrier(); Moves.cmov(c, x); }
            case 118 -> { caseBarrier(); Moves.setcc(c, x); }
            case 119 -> { caseBarrier(); Moves.bswap(c, x); }
            case 120 -> { caseBarrier(); Moves.widenAcc(c, x); }
            case 121 -> { caseBarrier(); Moves.signToRdx(c, x); }
            case 122 -> { caseBarrier(); Moves.movFromSreg(c, x); }
            case 123 -> { caseBarrier(); Alu.not(c, x); }
            case 124 -> { caseBarrier(); Alu.neg(c, x); }
            case 125 -> { caseBarrier(); Stack.pushf(c, x); }
            case 126 -> { caseBarrier(); Stack.popf(c, x); }
            case 127 -> { caseBarrier(); Stack.leave(c, x); }
            case 128 -> { caseBarrier(); SystemInsns.cli(c, x); }
            case 129 -> { caseBarrier(); SystemInsns.sti(c, x); }
            case 130 -> { caseBarrier(); Shifts.group2RegImm(c, x); }
            case 131 -> { caseBarrier(); Shifts.group2RegOne(c, x); }
            case 132 -> { caseBarrier(); Shifts.group2RegCl(c, x); }
            case 133 -> { caseBarrier(); Shifts.group2MemImm(c, x); }
            case 134 -> { caseBarrier(); Shifts.group2MemOne(c, x); }
            case 135 -> { caseBarrier(); Shifts.group2MemCl(c, x); }
            case 136 -> { caseBarrier(); Shifts.shlRI64(c, x); }
            case 137 -> { caseBarrier(); Shifts.shrRI64(c, x); }
            case 138 -> { caseBarrier(); Shifts.sarRI64(c, x); }
            case 139 -> { caseBarrier(); Shifts.rolRI64(c, x); }
            case 140 -> { caseBarrier(); Shifts.rorRI64(c, x); }
            case 141 -> { caseBarrier(); Shifts.shlRI32(c, x); }
            case 142 -> { caseBarrier(); Shifts.shrRI32(c, x); }
            case 143 -> { caseBarrier(); Shifts.sarRI32(c, x); }
            case 144 -> { caseBarrier(); Shifts.rolRI32(c, x); }
            case 145 -> { caseBarrier(); Shifts.rorRI32(c, x); }
            default -> x.op().exec(c, x);
        }
    }
}
