package jvisor.devices;

import jvisor.bus.IrqLine;

/**
 * A device's interrupt output: drives its {@link IrqLine} only when the level changes, so a
 * register access that leaves the interrupt state alone costs no call into the engine. Callers
 * hold the device's lock, which keeps the levels in order.
 */
final class IrqOutput {
    private final IrqLine line;
    private boolean level;

    IrqOutput(IrqLine line) {
        this.line = line;
    }

    void drive(boolean asserted) {
        if (asserted != level) {
            level = asserted;
            line.set(asserted);
        }
    }

    boolean level() {
        return level;
    }
}
