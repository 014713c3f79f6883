package jvisor.engine.emu.exec;

import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The SSE family's place in the opcode maps (0F 10-17, 28-2F, 50-7F, C2-C6, D0-FF, 0F 38, 0F 3A,
 * and the FXSAVE/LDMXCSR/XSAVE forms of 0F AE via {@link OpcodeMaps#chain}). Nothing is
 * registered yet, so every SSE encoding decodes to #UD and CPUID advertises no SSE.
 */
public final class SseOpcodes {
    private SseOpcodes() { }

    static void register(OpcodeMaps m) {
        // Intentionally empty until the SSE issue: rows left unregistered decode to #UD.
    }
}
