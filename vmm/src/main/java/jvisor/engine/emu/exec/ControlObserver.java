package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;

/**
 * Sees the processor's control transfers while set ({@link Interpreter#setControlObserver}): each
 * completed CALL, RET and IRET, and each interrupt or exception delivered. Called on the
 * processor's thread after the transfer, so RIP and RSP are the new ones.
 */
public interface ControlObserver {
    int NONE = 0;
    /** A near or far CALL. */
    int CALL = 1;
    /** A near or far RET. */
    int RET = 2;
    /** IRET. */
    int IRET = 3;
    /** An interrupt or exception was delivered; {@code from} is where the processor was. */
    int EVENT = 4;
    /** An unconditional near or far JMP (a tail call when it lands on a function). */
    int JUMP = 5;

    /** {@code from} is the RIP of the instruction (or of the interrupted one, for EVENT). */
    void transfer(Cpu c, int kind, long from);

    /** Which transfer an instruction is, from its opcode (and a group opcode's operation). */
    static int kindOf(Insn insn) {
        return switch (insn.opcode()) {
            case 0xE8, 0x9A -> CALL;
            case 0xC3, 0xC2, 0xCA, 0xCB -> RET;
            case 0xCF -> IRET;
            case 0xE9, 0xEB, 0xEA -> JUMP;
            case 0xFF -> switch (insn.sub()) {
                case 2, 3 -> CALL;
                case 4, 5 -> JUMP;
                default -> NONE;
            };
            default -> NONE;
        };
    }
}
