package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Interrupts;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Insn;

/**
 * The #DB exceptions of the guest's own breakpoints (DR0-DR3 as DR7 arms them), raised by the
 * interpreter: an instruction breakpoint is a fault before the instruction (unless RF is set), a
 * data breakpoint a trap after the instruction that accessed it (one instruction later after
 * MOV SS or POP SS, whose shadow holds debug exceptions back).
 */
final class GuestBreakpoints {
    private GuestBreakpoints() { }

    /** Reports the data breakpoints the last instruction hit, unless a MOV SS shadow holds them. */
    static void dataTrap(Cpu c) {
        if (c.inhibitInterrupts) {
            // STI touches no memory: a hit with the shadow set came from MOV SS or POP SS.
            return;
        }
        c.setDr6Bits(0);
        deliver(c);
    }

    /** Raises #DB if an instruction breakpoint is set at RIP and RF does not suppress it. */
    static boolean instructionFault(Cpu c) {
        // RF spares one instruction; so does a MOV SS or POP SS shadow on Intel parts (emu is one),
        // where AMD would deliver the fault.
        if (c.flag(Flags.RF) || c.stackShadow) {
            return false;
        }
        int hits = c.debug.instructionHits(linear(c, c.rip()));
        if (hits == 0) {
            return false;
        }
        c.setDr6Bits(hits);
        deliver(c);
        return true;
    }

    /** Whether an instruction breakpoint lies on one of {@code b}'s instructions after the first. */
    static boolean inside(Cpu c, Block b) {
        Insn[] insns = b.insns;
        if (insns.length < 2) {
            return false;
        }
        long from = linear(c, insns[1].rip());
        long to = linear(c, insns[insns.length - 1].nextRip());
        return Long.compareUnsigned(from, to) < 0 ? c.debug.instructionBreakpointIn(from, to)
                : c.debug.instructionBreakpointIn(from, -1L) || c.debug.instructionBreakpointIn(0, to);
    }

    private static long linear(Cpu c, long rip) {
        long lin = c.segmentBase(Cpu.CS) + rip;
        return c.mode64() ? lin : lin & 0xFFFF_FFFFL;
    }

    private static void deliver(Cpu c) {
        long rip = c.rip();
        if (!Interrupts.deliver(c, Vectors.DB, CpuFault.NO_ERROR_CODE, Interrupts.Source.EXCEPTION, rip, rip)) {
            c.shutdown = true;
        }
    }
}
