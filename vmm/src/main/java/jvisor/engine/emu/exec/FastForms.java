package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The instruction forms a Linux boot interprets most (MOV, the 32/64-bit ALU forms, Jcc, PUSH/POP,
 * CALL/RET, LEA), run by the interpreter from one switch on {@link Insn#fastForm}. Their handlers
 * are constants, so each case inlines its handler's body; calling the handler through {@link Op}
 * instead is a megamorphic interface call (an itable stub, then an indirect jump) per instruction.
 * Compiled regions call the same handlers directly.
 */
public final class FastForms {
    private FastForms() { }

    /** The handler of each fast form, by number less one: case {@code n} of {@link #exec} runs {@code HANDLERS[n - 1]}. */
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
    };

    static void register(OpcodeMaps m) {
        for (int k = 0; k < HANDLERS.length; k++) {
            m.putFastForm(HANDLERS[k], k + 1);
        }
    }

    /** Runs instruction {@code x}: its handler's body from the switch if it is a fast form, else through the handler. */
    public static void exec(Cpu c, Insn x) {
        switch (x.fastForm()) {
            case 1 -> Moves.STORE_RR64.exec(c, x);
            case 2 -> Moves.STORE_RR32.exec(c, x);
            case 3 -> Moves.LOAD_RR64.exec(c, x);
            case 4 -> Moves.LOAD_RR32.exec(c, x);
            case 5 -> Moves.LOAD_FLAT64.exec(c, x);
            case 6 -> Moves.LOAD_FLAT32.exec(c, x);
            case 7 -> Moves.LOAD_SEG64.exec(c, x);
            case 8 -> Moves.LOAD_SEG32.exec(c, x);
            case 9 -> Moves.STORE_FLAT64.exec(c, x);
            case 10 -> Moves.STORE_FLAT32.exec(c, x);
            case 11 -> Moves.STORE_FLAT8.exec(c, x);
            case 12 -> Moves.STORE_SEG64.exec(c, x);
            case 13 -> Moves.STORE_SEG32.exec(c, x);
            case 14 -> Moves.STORE_IMM_REG64.exec(c, x);
            case 15 -> Moves.STORE_IMM_REG32.exec(c, x);
            case 16 -> Moves.MOV_REG_IMM64.exec(c, x);
            case 17 -> Moves.MOV_REG_IMM32.exec(c, x);
            case 18 -> Moves.MOVZX8.exec(c, x);
            case 19 -> Moves.LEA64.exec(c, x);
            case 20 -> Moves.LEA32.exec(c, x);
            case 21 -> Moves.NOP.exec(c, x);
            case 22 -> Stack.PUSH_REG64.exec(c, x);
            case 23 -> Stack.POP_REG64.exec(c, x);
            case 24 -> Control.JO64.exec(c, x);
            case 25 -> Control.JNO64.exec(c, x);
            case 26 -> Control.JB64.exec(c, x);
            case 27 -> Control.JAE64.exec(c, x);
            case 28 -> Control.JE64.exec(c, x);
            case 29 -> Control.JNE64.exec(c, x);
            case 30 -> Control.JBE64.exec(c, x);
            case 31 -> Control.JA64.exec(c, x);
            case 32 -> Control.JS64.exec(c, x);
            case 33 -> Control.JNS64.exec(c, x);
            case 34 -> Control.JP64.exec(c, x);
            case 35 -> Control.JNP64.exec(c, x);
            case 36 -> Control.JL64.exec(c, x);
            case 37 -> Control.JGE64.exec(c, x);
            case 38 -> Control.JLE64.exec(c, x);
            case 39 -> Control.JG64.exec(c, x);
            case 40 -> Control.JMP64.exec(c, x);
            case 41 -> Control.CALL64.exec(c, x);
            case 42 -> Control.RET.exec(c, x);
            case 43 -> AluFast.ADD_RR64.exec(c, x);
            case 44 -> AluFast.OR_RR64.exec(c, x);
            case 45 -> AluFast.AND_RR64.exec(c, x);
            case 46 -> AluFast.SUB_RR64.exec(c, x);
            case 47 -> AluFast.XOR_RR64.exec(c, x);
            case 48 -> AluFast.CMP_RR64.exec(c, x);
            case 49 -> AluFast.ADD_RR32.exec(c, x);
            case 50 -> AluFast.OR_RR32.exec(c, x);
            case 51 -> AluFast.AND_RR32.exec(c, x);
            case 52 -> AluFast.SUB_RR32.exec(c, x);
            case 53 -> AluFast.XOR_RR32.exec(c, x);
            case 54 -> AluFast.CMP_RR32.exec(c, x);
            case 55 -> AluFast.ADD_RI64.exec(c, x);
            case 56 -> AluFast.OR_RI64.exec(c, x);
            case 57 -> AluFast.AND_RI64.exec(c, x);
            case 58 -> AluFast.SUB_RI64.exec(c, x);
            case 59 -> AluFast.XOR_RI64.exec(c, x);
            case 60 -> AluFast.CMP_RI64.exec(c, x);
            case 61 -> AluFast.ADD_RI32.exec(c, x);
            case 62 -> AluFast.OR_RI32.exec(c, x);
            case 63 -> AluFast.AND_RI32.exec(c, x);
            case 64 -> AluFast.SUB_RI32.exec(c, x);
            case 65 -> AluFast.XOR_RI32.exec(c, x);
            case 66 -> AluFast.CMP_RI32.exec(c, x);
            case 67 -> AluFast.ADD_RM64.exec(c, x);
            case 68 -> AluFast.OR_RM64.exec(c, x);
            case 69 -> AluFast.AND_RM64.exec(c, x);
            case 70 -> AluFast.SUB_RM64.exec(c, x);
            case 71 -> AluFast.XOR_RM64.exec(c, x);
            case 72 -> AluFast.CMP_RM64.exec(c, x);
            case 73 -> AluFast.ADD_RM32.exec(c, x);
            case 74 -> AluFast.OR_RM32.exec(c, x);
            case 75 -> AluFast.AND_RM32.exec(c, x);
            case 76 -> AluFast.SUB_RM32.exec(c, x);
            case 77 -> AluFast.XOR_RM32.exec(c, x);
            case 78 -> AluFast.CMP_RM32.exec(c, x);
            case 79 -> AluFast.CMP_MR64.exec(c, x);
            case 80 -> AluFast.CMP_MR32.exec(c, x);
            case 81 -> AluFast.CMP_MI64.exec(c, x);
            case 82 -> AluFast.CMP_MI32.exec(c, x);
            case 83 -> AluFast.TEST_RR64.exec(c, x);
            case 84 -> AluFast.TEST_RR32.exec(c, x);
            case 85 -> Moves.STORE_RR.exec(c, x);
            case 86 -> Moves.LOAD_RR.exec(c, x);
            case 87 -> Moves.STORE_IMM.exec(c, x);
            case 88 -> Moves.STORE_IMM_FLAT8.exec(c, x);
            case 89 -> Moves.MOVZX16.exec(c, x);
            case 90 -> Moves.MOVSX8.exec(c, x);
            case 91 -> Moves.MOVSX16.exec(c, x);
            case 92 -> Moves.MOVSXD.exec(c, x);
            case 93 -> Alu.CMP_RI.exec(c, x);
            case 94 -> Alu.CMP_MI.exec(c, x);
            case 95 -> Alu.CMP_ACC_IMM.exec(c, x);
            case 96 -> Alu.TEST_RR.exec(c, x);
            case 97 -> Alu.TEST_MR.exec(c, x);
            case 98 -> Alu.TEST_ACC.exec(c, x);
            case 99 -> Alu.TEST_RM_IMM.exec(c, x);
            case 100 -> Alu.INC_RM_REG.exec(c, x);
            case 101 -> Alu.DEC_RM_REG.exec(c, x);
            case 102 -> Alu.INC_MEM.exec(c, x);
            case 103 -> Alu.DEC_MEM.exec(c, x);
            case 104 -> Stack.PUSH_REG.exec(c, x);
            case 105 -> Stack.POP_REG.exec(c, x);
            case 106 -> Stack.PUSH_IMM.exec(c, x);
            case 107 -> Control.CALL_INDIRECT.exec(c, x);
            case 108 -> Control.JMP_INDIRECT.exec(c, x);
            case 109 -> MulDiv.IMUL2.exec(c, x);
            case 110 -> MulDiv.IMUL3.exec(c, x);
            case 111 -> MulDiv.MUL.exec(c, x);
            case 112 -> MulDiv.IMUL1.exec(c, x);
            case 113 -> MulDiv.DIV.exec(c, x);
            case 114 -> MulDiv.IDIV.exec(c, x);
            case 115 -> Moves.STORE_MEM.exec(c, x);
            case 116 -> Moves.LOAD_MEM.exec(c, x);
            case 117 -> Moves.CMOV.exec(c, x);
            case 118 -> Moves.SETCC.exec(c, x);
            case 119 -> Moves.BSWAP.exec(c, x);
            case 120 -> Moves.WIDEN_ACC.exec(c, x);
            case 121 -> Moves.SIGN_TO_RDX.exec(c, x);
            case 122 -> Moves.MOV_FROM_SREG.exec(c, x);
            case 123 -> Alu.NOT.exec(c, x);
            case 124 -> Alu.NEG.exec(c, x);
            case 125 -> Stack.PUSHF.exec(c, x);
            case 126 -> Stack.POPF.exec(c, x);
            case 127 -> Stack.LEAVE.exec(c, x);
            case 128 -> SystemInsns.CLI.exec(c, x);
            case 129 -> SystemInsns.STI.exec(c, x);
            case 130 -> Shifts.GROUP2_REG_IMM.exec(c, x);
            case 131 -> Shifts.GROUP2_REG_ONE.exec(c, x);
            case 132 -> Shifts.GROUP2_REG_CL.exec(c, x);
            case 133 -> Shifts.GROUP2_MEM_IMM.exec(c, x);
            case 134 -> Shifts.GROUP2_MEM_ONE.exec(c, x);
            case 135 -> Shifts.GROUP2_MEM_CL.exec(c, x);
            default -> x.op().exec(c, x);
        }
    }
}
