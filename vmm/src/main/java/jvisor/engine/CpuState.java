package jvisor.engine;

/**
 * A processor's state in one engine-neutral form, so it can be dumped, compared between engines,
 * saved and restored. {@code fpu} is optional: null means "not part of this state", and loading
 * such a state leaves the processor's FPU/SSE registers as they are (as INIT does).
 */
public record CpuState(GeneralRegisters regs, SystemRegisters sregs, FpuRegisters fpu) {

    public CpuState(GeneralRegisters regs, SystemRegisters sregs) {
        this(regs, sregs, null);
    }

    /** The architectural state after RESET or INIT, without the FPU (INIT keeps it). */
    public static CpuState reset(boolean bsp) {
        return new CpuState(GeneralRegisters.reset(), SystemRegisters.reset(bsp));
    }

    public CpuState withRegs(GeneralRegisters newRegs) {
        return new CpuState(newRegs, sregs, fpu);
    }

    public CpuState withSregs(SystemRegisters newSregs) {
        return new CpuState(regs, newSregs, fpu);
    }

    public CpuState withFpu(FpuRegisters newFpu) {
        return new CpuState(regs, sregs, newFpu);
    }

    @Override
    public String toString() {
        String s = regs + System.lineSeparator() + sregs;
        return fpu == null ? s : s + System.lineSeparator() + fpu;
    }
}
