package jvisor.engine.emu.exec;

import jvisor.engine.emu.decode.OpcodeMaps;

/** Builds the opcode maps from every instruction family. */
public final class BaseOpcodes {
    private BaseOpcodes() { }

    private static final OpcodeMaps MAPS = build();

    /** The maps shared by every processor (they are immutable once built). */
    public static OpcodeMaps maps() {
        return MAPS;
    }

    private static OpcodeMaps build() {
        OpcodeMaps m = new OpcodeMaps();
        Alu.register(m);
        MulDiv.register(m);
        Moves.register(m);
        Stack.register(m);
        Shifts.register(m);
        Bits.register(m);
        Exchange.register(m);
        Control.register(m);
        Strings.register(m);
        PortIo.register(m);
        SystemInsns.register(m);
        Legacy.register(m);
        X87Opcodes.register(m);
        SseOpcodes.register(m);
        FastForms.register(m);
        return m;
    }
}
