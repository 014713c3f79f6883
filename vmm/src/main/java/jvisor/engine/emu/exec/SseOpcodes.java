package jvisor.engine.emu.exec;

import jvisor.engine.emu.decode.OpcodeMaps;
import jvisor.engine.emu.exec.sse.SseTable;

/**
 * The SIMD family's place in the opcode maps: MMX, SSE and SSE2 (0F 10-17, 28-2F, 50-7F, C2-C7,
 * D0-FF, and FXSAVE/FXRSTOR/LDMXCSR/STMXCSR in 0F AE via {@link OpcodeMaps#chain}). The handlers
 * live in {@link jvisor.engine.emu.exec.sse}.
 */
public final class SseOpcodes {
    private SseOpcodes() { }

    static void register(OpcodeMaps m) {
        SseTable.register(m);
    }
}
