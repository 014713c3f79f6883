package jvisor.engine.emu.exec;

import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.x87.X87Table;

/**
 * The x87 escape opcodes D8-DF and WAIT (9B). The handlers live in
 * {@link jvisor.engine.emu.exec.x87}; the state in {@link jvisor.engine.emu.fpu.FpuState}.
 */
public final class X87Opcodes {
    private X87Opcodes() { }

    static void register(OpcodeMaps m) {
        X87Table.register(m);
    }
}
