package jvisor.engine;

/**
 * A processor's state in one engine-neutral form, so it can be dumped, compared between engines,
 * saved and restored. {@code fpu} and {@code debug} are optional: null means "not part of this
 * state", and loading such a state leaves the processor's FPU/SSE or debug registers as they are
 * (as INIT does for the FPU).
 */
public record CpuState(GeneralRegisters regs, SystemRegisters sregs, FpuRegisters fpu, DebugRegisters debug) {

    public CpuState(GeneralRegisters regs, SystemRegisters sregs) {
        this(regs, sregs, null, null);
    }

    public CpuState(GeneralRegisters regs, SystemRegisters sregs, FpuRegisters fpu) {
        this(regs, sregs, fpu, null);
    }

    /** The architectural state after RESET or INIT, without the FPU (INIT keeps it). */
    public static CpuState reset(boolean bsp) {
        return new CpuState(GeneralRegisters.reset(), SystemRegisters.reset(bsp), null, DebugRegisters.RESET);
    }

    public CpuState withRegs(GeneralRegisters newRegs) {
        return new CpuState(newRegs, sregs, fpu, debug);
    }

    public CpuState withSregs(SystemRegisters newSregs) {
        return new CpuState(regs, newSregs, fpu, debug);
    }

    public CpuState withFpu(FpuRegisters newFpu) {
        return new CpuState(regs, sregs, newFpu, debug);
    }

    public CpuState withDebug(DebugRegisters newDebug) {
        return new CpuState(regs, sregs, fpu, newDebug);
    }

    @Override
    public String toString() {
        String s = regs + System.lineSeparator() + sregs;
        if (debug != null) {
            s += System.lineSeparator() + debug;
        }
        return fpu == null ? s : s + System.lineSeparator() + fpu;
    }
}
