package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The instruction forms a Linux boot interprets most (MOV, the 32/64-bit ALU forms, Jcc, PUSH/POP,
 * CALL/RET, LEA, ...), run by the interpreter from one switch on {@link Insn#fastForm} instead of
 * through {@link Op}, which is a megamorphic interface call (an itable stub, then an indirect jump)
 * per instruction. Each case calls the static method its handler is a reference to: C2 inlines the
 * frequent ones into the switch. (Through the handler it would not: a lambda's one-line exec is
 * compiled without a profile, so the call inside it looks never taken.) Compiled regions call the
 * handlers. {@code FastFormsTest} checks that each case runs what its handler runs.
 */
public final class FastForms {
    private FastForms() { }

    /** The handler of each fast form, by number less one: case {@code n} of {@link #exec} runs what {@code HANDLERS[n - 1]} runs. */
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

    /** Runs instruction {@code x}: its handler's body from the switch if it is a fast form, else through the handler. */
    public static void exec(Cpu c, Insn x) {
        switch (x.fastForm()) {
            case 1 -> Moves.storeRR64(c, x);
            case 2 -> Moves.storeRR32(c, x);
            case 3 -> Moves.loadRR64(c, x);
            case 4 -> Moves.loadRR32(c, x);
            case 5 -> Moves.loadFlat64(c, x);
            case 6 -> Moves.loadFlat32(c, x);
            case 7 -> Moves.loadSeg64(c, x);
            case 8 -> Moves.loadSeg32(c, x);
            case 9 -> Moves.storeFlat64(c, x);
            case 10 -> Moves.storeFlat32(c, x);
            case 11 -> Moves.storeFlat8(c, x);
            case 12 -> Moves.storeSeg64(c, x);
            case 13 -> Moves.storeSeg32(c, x);
            case 14 -> Moves.storeImmReg64(c, x);
            case 15 -> Moves.storeImmReg32(c, x);
            case 16 -> Moves.movRegImm64(c, x);
            case 17 -> Moves.movRegImm32(c, x);
            case 18 -> Moves.movzx8(c, x);
            case 19 -> Moves.lea64(c, x);
            case 20 -> Moves.lea32(c, x);
            case 21 -> Moves.nop(c, x);
            case 22 -> Stack.pushReg64(c, x);
            case 23 -> Stack.popReg64(c, x);
            case 24 -> Control.jo64(c, x);
            case 25 -> Control.jno64(c, x);
            case 26 -> Control.jb64(c, x);
            case 27 -> Control.jae64(c, x);
            case 28 -> Control.je64(c, x);
            case 29 -> Control.jne64(c, x);
            case 30 -> Control.jbe64(c, x);
            case 31 -> Control.ja64(c, x);
            case 32 -> Control.js64(c, x);
            case 33 -> Control.jns64(c, x);
            case 34 -> Control.jp64(c, x);
            case 35 -> Control.jnp64(c, x);
            case 36 -> Control.jl64(c, x);
            case 37 -> Control.jge64(c, x);
            case 38 -> Control.jle64(c, x);
            case 39 -> Control.jg64(c, x);
            case 40 -> Control.jmp64(c, x);
            case 41 -> Control.call64(c, x);
            case 42 -> Control.ret(c, x);
            case 43 -> AluFast.addRR64(c, x);
            case 44 -> AluFast.orRR64(c, x);
            case 45 -> AluFast.andRR64(c, x);
            case 46 -> AluFast.subRR64(c, x);
            case 47 -> AluFast.xorRR64(c, x);
            case 48 -> AluFast.cmpRR64(c, x);
            case 49 -> AluFast.addRR32(c, x);
            case 50 -> AluFast.orRR32(c, x);
            case 51 -> AluFast.andRR32(c, x);
            case 52 -> AluFast.subRR32(c, x);
            case 53 -> AluFast.xorRR32(c, x);
            case 54 -> AluFast.cmpRR32(c, x);
            case 55 -> AluFast.addRI64(c, x);
            case 56 -> AluFast.orRI64(c, x);
            case 57 -> AluFast.andRI64(c, x);
            case 58 -> AluFast.subRI64(c, x);
            case 59 -> AluFast.xorRI64(c, x);
            case 60 -> AluFast.cmpRI64(c, x);
            case 61 -> AluFast.addRI32(c, x);
            case 62 -> AluFast.orRI32(c, x);
            case 63 -> AluFast.andRI32(c, x);
            case 64 -> AluFast.subRI32(c, x);
            case 65 -> AluFast.xorRI32(c, x);
            case 66 -> AluFast.cmpRI32(c, x);
            case 67 -> AluFast.addRM64(c, x);
            case 68 -> AluFast.orRM64(c, x);
            case 69 -> AluFast.andRM64(c, x);
            case 70 -> AluFast.subRM64(c, x);
            case 71 -> AluFast.xorRM64(c, x);
            case 72 -> AluFast.cmpRM64(c, x);
            case 73 -> AluFast.addRM32(c, x);
            case 74 -> AluFast.orRM32(c, x);
            case 75 -> AluFast.andRM32(c, x);
            case 76 -> AluFast.subRM32(c, x);
            case 77 -> AluFast.xorRM32(c, x);
            case 78 -> AluFast.cmpRM32(c, x);
            case 79 -> AluFast.cmpMR64(c, x);
            case 80 -> AluFast.cmpMR32(c, x);
            case 81 -> AluFast.cmpMI64(c, x);
            case 82 -> AluFast.cmpMI32(c, x);
            case 83 -> AluFast.testRR64(c, x);
            case 84 -> AluFast.testRR32(c, x);
            case 85 -> Moves.storeRR(c, x);
            case 86 -> Moves.loadRR(c, x);
            case 87 -> Moves.storeImm(c, x);
            case 88 -> Moves.storeImmFlat8(c, x);
            case 89 -> Moves.movzx16(c, x);
            case 90 -> Moves.movsx8(c, x);
            case 91 -> Moves.movsx16(c, x);
            case 92 -> Moves.movsxd(c, x);
            case 93 -> Alu.cmpRI(c, x);
            case 94 -> Alu.cmpMI(c, x);
            case 95 -> Alu.cmpAccImm(c, x);
            case 96 -> Alu.testRR(c, x);
            case 97 -> Alu.testMR(c, x);
            case 98 -> Alu.testAcc(c, x);
            case 99 -> Alu.testRMImm(c, x);
            case 100 -> Alu.incRMReg(c, x);
            case 101 -> Alu.decRMReg(c, x);
            case 102 -> Alu.incMem(c, x);
            case 103 -> Alu.decMem(c, x);
            case 104 -> Stack.pushReg(c, x);
            case 105 -> Stack.popReg(c, x);
            case 106 -> Stack.pushImm(c, x);
            case 107 -> Control.callIndirect(c, x);
            case 108 -> Control.jmpIndirect(c, x);
            case 109 -> MulDiv.imul2(c, x);
            case 110 -> MulDiv.imul3(c, x);
            case 111 -> MulDiv.mul(c, x);
            case 112 -> MulDiv.imul1(c, x);
            case 113 -> MulDiv.div(c, x);
            case 114 -> MulDiv.idiv(c, x);
            case 115 -> Moves.storeMem(c, x);
            case 116 -> Moves.loadMem(c, x);
            case 117 -> Moves.cmov(c, x);
            case 118 -> Moves.setcc(c, x);
            case 119 -> Moves.bswap(c, x);
            case 120 -> Moves.widenAcc(c, x);
            case 121 -> Moves.signToRdx(c, x);
            case 122 -> Moves.movFromSreg(c, x);
            case 123 -> Alu.not(c, x);
            case 124 -> Alu.neg(c, x);
            case 125 -> Stack.pushf(c, x);
            case 126 -> Stack.popf(c, x);
            case 127 -> Stack.leave(c, x);
            case 128 -> SystemInsns.cli(c, x);
            case 129 -> SystemInsns.sti(c, x);
            case 130 -> Shifts.group2RegImm(c, x);
            case 131 -> Shifts.group2RegOne(c, x);
            case 132 -> Shifts.group2RegCl(c, x);
            case 133 -> Shifts.group2MemImm(c, x);
            case 134 -> Shifts.group2MemOne(c, x);
            case 135 -> Shifts.group2MemCl(c, x);
            case 136 -> Shifts.shlRI64(c, x);
            case 137 -> Shifts.shrRI64(c, x);
            case 138 -> Shifts.sarRI64(c, x);
            case 139 -> Shifts.rolRI64(c, x);
            case 140 -> Shifts.rorRI64(c, x);
            case 141 -> Shifts.shlRI32(c, x);
            case 142 -> Shifts.shrRI32(c, x);
            case 143 -> Shifts.sarRI32(c, x);
            case 144 -> Shifts.rolRI32(c, x);
            case 145 -> Shifts.rorRI32(c, x);
            default -> x.op().exec(c, x);
        }
    }
}
