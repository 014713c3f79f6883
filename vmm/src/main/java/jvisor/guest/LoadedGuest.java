package jvisor.guest;

import java.util.List;
import jvisor.engine.CpuState;

/**
 * What a guest loader did: the BSP's state at the guest's entry point and everything it placed
 * in guest RAM.
 *
 * @param protocol the boot protocol, e.g. "multiboot"
 */
public record LoadedGuest(String protocol, CpuState bootState, List<GuestPlacement.Placed> placed) {
    public LoadedGuest {
        placed = List.copyOf(placed);
    }

    /** One line for the boot trace. */
    public String summary() {
        return String.format("%s entry %#x, %s", protocol, bootState.regs().rip(),
                String.join(", ", placed.stream().map(GuestPlacement.Placed::toString).toList()));
    }
}
