package jvisor.engine;

import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;

/**
 * What an engine gets to build a VM: the guest RAM, the processor count, and the VM's hook tables
 * (engines whose platform devices live in Java register them there).
 */
public record VmSpec(GuestMemory ram, int cpuCount, PortBus ports, MmioBus mmio) {
    public VmSpec {
        if (cpuCount < 1) {
            throw new IllegalArgumentException("a VM needs at least one processor");
        }
    }
}
