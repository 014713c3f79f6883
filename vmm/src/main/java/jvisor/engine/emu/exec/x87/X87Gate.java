package jvisor.engine.emu.exec.x87;

import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.fpu.FpuState;

/**
 * Whether an x87 or MMX instruction may run: CR0.EM and CR0.TS hand it to the operating system
 * (#NM, or #UD for MMX under EM), and a waiting instruction first takes an unmasked exception
 * an earlier one left pending (#MF, when CR0.NE selects native reporting).
 */
public final class X87Gate {
    private X87Gate() { }

    /** A no-wait control instruction (FNINIT, FNSTSW, FNSTENV, ...): only EM and TS matter. */
    public static void noWait(Cpu c) {
        if ((c.cr0() & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    /** A waiting x87 instruction: #NM, then a pending unmasked exception. */
    public static void waiting(Cpu c) {
        if ((c.cr0() & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
        if ((c.fpu.status & FpuState.SW_ES) != 0) {
            pending(c);
        }
    }

    /** WAIT/FWAIT: #NM only when both MP and TS are set. */
    public static void fwait(Cpu c) {
        if ((c.cr0() & (Cpu.CR0_MP | Cpu.CR0_TS)) == (Cpu.CR0_MP | Cpu.CR0_TS)) {
            throw c.fault(Vectors.NM);
        }
        if ((c.fpu.status & FpuState.SW_ES) != 0) {
            pending(c);
        }
    }

    /** An MMX instruction: #UD under EM, #NM under TS, then a pending x87 exception. */
    public static void mmx(Cpu c) {
        long cr0 = c.cr0();
        if ((cr0 & Cpu.CR0_EM) != 0) {
            throw c.fault(Vectors.UD);
        }
        if ((cr0 & Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
        if ((c.fpu.status & FpuState.SW_ES) != 0) {
            pending(c);
        }
    }

    private static void pending(Cpu c) {
        if ((c.cr0() & Cpu.CR0_NE) != 0) {
            throw c.fault(Vectors.MF);
        }
        // With CR0.NE clear the error would go out on FERR# to the interrupt controller (IRQ 13),
        // which the emulated board does not wire: the exception stays pending and is ignored, as if
        // IGNNE# were asserted.
        EmuLog.once("x87-ferr", "x87 exception pending with CR0.NE=0 (FERR#/IRQ 13 is not emulated): ignored");
    }
}
