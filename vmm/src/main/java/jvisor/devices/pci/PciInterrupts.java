package jvisor.devices.pci;

import java.util.function.IntFunction;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;

/**
 * INTx routing of bus 0: pin P (INTA = 1) of slot S drives IOAPIC input
 * {@code 16 + (S + P - 1) mod 8}, level-triggered and active-low. The ACPI {@code _PRT} and the MP
 * table describe the same rule. Functions on one input share it: the input is asserted while any
 * of them asserts, as wired-OR PCI interrupt lines are.
 */
public final class PciInterrupts {
    private final IrqLine[] lines = new IrqLine[PcLayout.PCI_INTX_LINES];
    private final int[] asserted = new int[PcLayout.PCI_INTX_LINES];

    public PciInterrupts(IntFunction<IrqLine> gsiLine) {
        for (int i = 0; i < lines.length; i++) {
            lines[i] = gsiLine.apply(PcLayout.PCI_INTX_FIRST_GSI + i);
        }
    }

    /** The IOAPIC input (GSI) of {@code slot}'s interrupt pin {@code pin} (1 = INTA ... 4 = INTD). */
    public static int gsi(int slot, int pin) {
        return PcLayout.PCI_INTX_FIRST_GSI + (slot + pin - 1) % PcLayout.PCI_INTX_LINES;
    }

    /** The line for {@code slot}'s {@code pin}; each function drives its own share of it. */
    IrqLine line(int slot, int pin) {
        int index = gsi(slot, pin) - PcLayout.PCI_INTX_FIRST_GSI;
        return level -> drive(index, level);
    }

    /** Each function changes its level only when it changes (PciFunction ensures that), so a count suffices. */
    private synchronized void drive(int index, boolean level) {
        int before = asserted[index];
        asserted[index] = Math.max(0, before + (level ? 1 : -1));
        if ((before == 0) != (asserted[index] == 0)) {
            lines[index].set(asserted[index] != 0);
        }
    }
}
