package jvisor.engine;

/**
 * A processor's state in one engine-neutral form, so it can be dumped, compared between engines,
 * saved and restored.
 */
public record CpuState(GeneralRegisters regs, SystemRegisters sregs) {

    /** The architectural state after RESET. */
    public static CpuState reset(boolean bsp) {
        return new CpuState(GeneralRegisters.reset(), SystemRegisters.reset(bsp));
    }

    public CpuState withRegs(GeneralRegisters newRegs) {
        return new CpuState(newRegs, sregs);
    }

    public CpuState withSregs(SystemRegisters newSregs) {
        return new CpuState(regs, newSregs);
    }

    @Override
    public String toString() {
        return regs + System.lineSeparator() + sregs;
    }
}
