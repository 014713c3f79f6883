package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;

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

    /** Which transfer an instruction is, from its bytes (prefixes, then the opcode). */
    static int kindOf(byte[] insn) {
        int i = 0;
        while (i < insn.length) {
            int b = insn[i] & 0xFF;
            boolean prefix = b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E
                    || b == 0x36 || b == 0x3E || b == 0x26 || b == 0x64 || b == 0x65 || (b & 0xF0) == 0x40;
            if (!prefix) {
                break;
            }
            i++;
        }
        if (i >= insn.length) {
            return NONE;
        }
        int op = insn[i] & 0xFF;
        return switch (op) {
            case 0xE8, 0x9A -> CALL;
            case 0xC3, 0xC2, 0xCA, 0xCB -> RET;
            case 0xCF -> IRET;
            case 0xE9, 0xEB, 0xEA -> JUMP;
            case 0xFF -> {
                int reg = i + 1 < insn.length ? (insn[i + 1] >> 3) & 7 : -1;
                yield reg == 2 || reg == 3 ? CALL : reg == 4 || reg == 5 ? JUMP : NONE;
            }
            default -> NONE;
        };
    }
}
