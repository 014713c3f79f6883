package jvisor.engine.emu.exec.x87;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;
import static jvisor.engine.emu.fpu.SoftFloat.F32;
import static jvisor.engine.emu.fpu.SoftFloat.F64;

import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.fpu.X87Math;

/**
 * The x87 escape opcodes D8-DF and WAIT (9B): the memory forms by escape byte and ModRM reg,
 * the register forms by the whole ModRM byte. Each instruction records its 11-bit opcode (FOP)
 * in {@link Insn#imm}, which x87 encodings never use for an immediate.
 */
public final class X87Table {
    private X87Table() { }

    public static void register(OpcodeMaps m) {
        for (int escape = 0; escape < 8; escape++) {
            int e = escape;
            m.put(ONE_BYTE, 0xD8 + escape, MODRM, i -> {
                Op op = i.isMemory() ? memory(e, i.sub) : register(e, i.sub, i.rm & 7);
                if (op != null) {
                    i.imm = X87.opcode(i);
                }
                return op;
            });
        }
        m.put(ONE_BYTE, 0x9B, 0, i -> X87Control.WAIT);
    }

    /** D8 (m32fp), DC (m64fp), DA (m32int), DE (m16int) arithmetic and compare by reg field. */
    private static Op arithmeticMemory(int kind, int sub) {
        return switch (sub) {
            case 2 -> X87Compare.memory(kind, false);
            case 3 -> X87Compare.memory(kind, true);
            default -> X87Arith.memory(sub, kind);
        };
    }

    private static Op memory(int escape, int sub) {
        return switch (escape) {
            case 0 -> arithmeticMemory(F32, sub);
            case 1 -> switch (sub) {
                case 0 -> X87Loads.loadFloat(F32);
                case 2 -> X87Loads.storeFloat(F32, false);
                case 3 -> X87Loads.storeFloat(F32, true);
                case 4 -> X87Control.LOAD_ENVIRONMENT;
                case 5 -> X87Control.LOAD_CONTROL;
                case 6 -> X87Control.STORE_ENVIRONMENT;
                case 7 -> X87Control.STORE_CONTROL;
                default -> null;
            };
            case 2 -> arithmeticMemory(X87Arith.INT32, sub);
            case 3 -> switch (sub) {
                case 0 -> X87Loads.loadInteger(4);
                case 1 -> X87Loads.storeInteger(4, true, true);
                case 2 -> X87Loads.storeInteger(4, false, false);
                case 3 -> X87Loads.storeInteger(4, true, false);
                case 5 -> X87Loads.LOAD_EXTENDED;
                case 7 -> X87Loads.STORE_EXTENDED;
                default -> null;
            };
            case 4 -> arithmeticMemory(F64, sub);
            case 5 -> switch (sub) {
                case 0 -> X87Loads.loadFloat(F64);
                case 1 -> X87Loads.storeInteger(8, true, true);
                case 2 -> X87Loads.storeFloat(F64, false);
                case 3 -> X87Loads.storeFloat(F64, true);
                case 4 -> X87Control.RESTORE;
                case 6 -> X87Control.SAVE;
                case 7 -> X87Control.STORE_STATUS;
                default -> null;
            };
            case 6 -> arithmeticMemory(X87Arith.INT16, sub);
            default -> switch (sub) {
                case 0 -> X87Loads.loadInteger(2);
                case 1 -> X87Loads.storeInteger(2, true, true);
                case 2 -> X87Loads.storeInteger(2, false, false);
                case 3 -> X87Loads.storeInteger(2, true, false);
                case 4 -> X87Loads.LOAD_BCD;
                case 5 -> X87Loads.loadInteger(8);
                case 6 -> X87Loads.STORE_BCD;
                default -> X87Loads.storeInteger(8, true, false);
            };
        };
    }

    /** The register forms; {@code sub} is ModRM reg, {@code r} the ST(i) number. */
    private static Op register(int escape, int sub, int r) {
        return switch (escape) {
            case 0 -> switch (sub) {
                case 2 -> X87Compare.registers(true, 0);
                case 3 -> X87Compare.registers(true, 1);
                default -> X87Arith.registers(sub, false, false);
            };
            case 1 -> registerD9(sub, r);
            case 2 -> sub < 4 ? X87Compare.move(sub) : sub == 5 && r == 1 ? X87Compare.registers(false, 2) : null;
            case 3 -> registerDB(sub, r);
            case 4 -> switch (sub) {
                case 2 -> X87Compare.registers(true, 0);
                case 3 -> X87Compare.registers(true, 1);
                default -> X87Arith.registers(sub < 4 ? sub : sub ^ 1, true, false);
            };
            case 5 -> switch (sub) {
                case 0 -> X87Loads.free(false);
                case 1 -> X87Loads.EXCHANGE;
                case 2 -> X87Loads.storeRegister(false);
                case 3 -> X87Loads.storeRegister(true);
                case 4 -> X87Compare.registers(false, 0);
                case 5 -> X87Compare.registers(false, 1);
                default -> null;
            };
            case 6 -> switch (sub) {
                case 2 -> X87Compare.registers(true, 1);
                case 3 -> r == 1 ? X87Compare.registers(true, 2) : null;
                default -> X87Arith.registers(sub < 4 ? sub : sub ^ 1, true, true);
            };
            default -> switch (sub) {
                case 0 -> X87Loads.free(true);
                case 1 -> X87Loads.EXCHANGE;
                case 2, 3 -> X87Loads.storeRegister(true);
                case 4 -> r == 0 ? X87Control.STORE_STATUS_AX : null;
                case 5 -> X87Compare.toFlags(false, true);
                case 6 -> X87Compare.toFlags(true, true);
                default -> null;
            };
        };
    }

    private static Op registerD9(int sub, int r) {
        return switch (sub) {
            case 0 -> X87Loads.LOAD_REGISTER;
            case 1 -> X87Loads.EXCHANGE;
            case 2 -> r == 0 ? X87Control.NOP : null;
            case 3 -> X87Loads.storeRegister(true);
            case 4 -> switch (r) {
                case 0 -> X87Arith.sign(false);
                case 1 -> X87Arith.sign(true);
                case 4 -> X87Compare.TEST;
                case 5 -> X87Compare.EXAMINE;
                default -> null;
            };
            case 5 -> r == 7 ? null : X87Loads.constant(r == 6 ? X87Math.ZERO : r);
            case 6 -> switch (r) {
                case 0 -> X87Transcendental.TWO_POWER_MINUS_ONE;
                case 1 -> X87Transcendental.logarithm(false);
                case 2 -> X87Transcendental.TANGENT;
                case 3 -> X87Transcendental.ARCTANGENT;
                case 4 -> X87Arith.EXTRACT;
                case 5 -> X87Arith.remainder(true);
                case 6 -> X87Control.stackPointer(-1);
                default -> X87Control.stackPointer(1);
            };
            default -> switch (r) {
                case 0 -> X87Arith.remainder(false);
                case 1 -> X87Transcendental.logarithm(true);
                case 2 -> X87Arith.unary(true);
                case 3 -> X87Transcendental.SINE_COSINE;
                case 4 -> X87Arith.unary(false);
                case 5 -> X87Arith.SCALE;
                case 6 -> X87Transcendental.sineOrCosine(false);
                default -> X87Transcendental.sineOrCosine(true);
            };
        };
    }

    private static Op registerDB(int sub, int r) {
        if (sub < 4) {
            return X87Compare.move(sub | 4);
        }
        return switch (sub) {
            case 4 -> switch (r) {
                case 0, 1, 4 -> X87Control.LEGACY_NOP;
                case 2 -> X87Control.CLEAR_EXCEPTIONS;
                case 3 -> X87Control.INIT;
                default -> null;
            };
            case 5 -> X87Compare.toFlags(false, false);
            case 6 -> X87Compare.toFlags(true, false);
            default -> null;
        };
    }
}
