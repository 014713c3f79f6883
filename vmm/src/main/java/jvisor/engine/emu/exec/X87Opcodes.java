package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.MODRM;

import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * The x87 escape opcodes D8-DF and WAIT. There is no FPU yet (CPUID does not advertise one):
 * escapes raise #NM when CR0.EM or CR0.TS asks the OS to handle them, #UD otherwise, as a
 * processor without an FPU would. An FPU implementation replaces the handlers built here; the
 * decoder already reads their ModRM.
 */
public final class X87Opcodes {
    private X87Opcodes() { }

    static void register(OpcodeMaps m) {
        m.putRange(ONE_BYTE, 0xD8, 8, MODRM, i -> NO_FPU);
        m.put(ONE_BYTE, 0x9B, 0, i -> WAIT);
    }

    private static final Op NO_FPU = (c, x) -> {
        if ((c.cr0() & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
        EmuLog.once("x87", "x87 instruction at " + Long.toHexString(x.rip()) + " (no FPU is emulated yet): #UD");
        throw c.fault(Vectors.UD);
    };

    /** WAIT/FWAIT: #NM if CR0.MP and CR0.TS are set; otherwise there is nothing to wait for. */
    private static final Op WAIT = (c, x) -> {
        if ((c.cr0() & (Cpu.CR0_MP | Cpu.CR0_TS)) == (Cpu.CR0_MP | Cpu.CR0_TS)) {
            throw c.fault(Vectors.NM);
        }
    };
}
