package jvisor.engine.emu.exec.sse;

import jvisor.engine.emu.decode.OpcodeMaps;

/** Registers MMX, SSE and SSE2 in the opcode maps. */
public final class SseTable {
    private SseTable() { }

    public static void register(OpcodeMaps m) {
        SseMoves.register(m);
        SseTransfers.register(m);
        SseInteger.register(m);
        SseShuffle.register(m);
        SseFloat.register(m);
        SseConvert.register(m);
        SaveRestore.register(m);
    }
}
