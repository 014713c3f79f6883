package jvisor.engine;

import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;

/**
 * What an engine gets to build a VM: the guest RAM, the processor count, the VM's hook tables
 * (engines whose platform devices live in Java register them there), and the processor vendor
 * the user asked for (null: the engine's own).
 */
public record VmSpec(GuestMemory ram, int cpuCount, PortBus ports, MmioBus mmio, CpuVendor vendor) {
    public VmSpec(GuestMemory ram, int cpuCount, PortBus ports, MmioBus mmio) {
        this(ram, cpuCount, ports, mmio, null);
    }

    public VmSpec {
        if (cpuCount < 1) {
            throw new IllegalArgumentException("a VM needs at least one processor");
        }
    }
}
