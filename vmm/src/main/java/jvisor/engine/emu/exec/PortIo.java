package jvisor.engine.emu.exec;

import static jvisor.engine.emu.decode.OpcodeMaps.ONE_BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.BYTE;
import static jvisor.engine.emu.decode.OpcodeSpec.ENDS;
import static jvisor.engine.emu.decode.OpcodeSpec.IMM8;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.SystemOps;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;
import jvisor.engine.emu.decode.OpcodeMaps;

/**
 * IN and OUT: straight to the processor's {@link jvisor.engine.GuestIo} (the VM's port table),
 * after the IOPL / I/O-bitmap check. They end their block, so a device that stops the VM (debug
 * exit, power off) is noticed before the guest runs on.
 */
public final class PortIo {
    private PortIo() { }

    static void register(OpcodeMaps m) {
        m.put(ONE_BYTE, 0xE4, BYTE | IMM8 | ENDS, i -> in(true));
        m.put(ONE_BYTE, 0xE5, IMM8 | ENDS, i -> in(true));
        m.put(ONE_BYTE, 0xE6, BYTE | IMM8 | ENDS, i -> out(true));
        m.put(ONE_BYTE, 0xE7, IMM8 | ENDS, i -> out(true));
        m.put(ONE_BYTE, 0xEC, BYTE | ENDS, i -> in(false));
        m.put(ONE_BYTE, 0xED, ENDS, i -> in(false));
        m.put(ONE_BYTE, 0xEE, BYTE | ENDS, i -> out(false));
        m.put(ONE_BYTE, 0xEF, ENDS, i -> out(false));
    }

    private static int port(Cpu c, Insn x, boolean immediate) {
        return immediate ? (int) x.imm() & 0xFF : (int) c.reg(Cpu.RDX) & 0xFFFF;
    }

    private static Op in(boolean immediate) {
        return (c, x) -> {
            int size = Math.min(x.opSize(), 4);
            int port = port(c, x, immediate);
            SystemOps.checkIoPermission(c, port, size);
            c.setReg(Cpu.RAX, size, c.io().portRead(port, size) & 0xFFFF_FFFFL);
        };
    }

    private static Op out(boolean immediate) {
        return (c, x) -> {
            int size = Math.min(x.opSize(), 4);
            int port = port(c, x, immediate);
            SystemOps.checkIoPermission(c, port, size);
            c.io().portWrite(port, size, (int) c.reg(Cpu.RAX, size));
            c.mmu.checkMapEpoch();
        };
    }
}
