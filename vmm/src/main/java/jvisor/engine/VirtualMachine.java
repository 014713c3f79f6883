package jvisor.engine;

import jvisor.bus.IrqLine;

/** One guest: its RAM, its processors and its interrupt lines. */
public interface VirtualMachine extends AutoCloseable {
    /**
     * Creates virtual processor {@code index}. Called on the processor thread that will run it;
     * processor 0 is the BSP, the others wait for INIT/SIPI from the guest. {@code io} is that
     * processor's dispatcher: an engine may deliver port and MMIO accesses through it directly
     * instead of returning an exit.
     */
    VirtualCpu createCpu(int index, GuestIo io);

    /** Interrupt line {@code gsi} of the platform's interrupt controllers (ISA IRQs are GSIs 0-15). */
    IrqLine irqLine(int gsi);

    @Override
    void close();
}
