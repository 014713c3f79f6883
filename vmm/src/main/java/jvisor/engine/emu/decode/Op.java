package jvisor.engine.emu.decode;

import jvisor.engine.emu.cpu.Cpu;

/**
 * The handler of one decoded instruction form. The decoder picks a handler per instruction (already
 * specialized by what it could see: operand size, register or memory operand), so executing an
 * instruction is one virtual call with the operands at hand in {@link Insn}.
 */
@FunctionalInterface
public interface Op {
    void exec(Cpu c, Insn i);
}
