package jvisor.engine;

import jvisor.bus.InterruptRemapper;
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

    /**
     * Delivers a message-signalled interrupt: what a PCI function's MSI or MSI-X write of
     * {@code data} to {@code address} (the local APICs' 0xFEExxxxx window) does on the system bus.
     * From any thread. A message the interrupt controllers cannot deliver is dropped, as on the bus.
     */
    void signalMsi(long address, int data);

    /**
     * Routes the IOAPIC's interrupts through {@code remapper}, as a chipset with an IOMMU's
     * interrupt remapping does; false if the engine's IOAPIC is not jvisor's (kvm's is in the
     * kernel) and stays unremapped.
     */
    default boolean remapIoApicInterrupts(InterruptRemapper remapper) {
        return false;
    }

    /**
     * Leaves the PICs, the ELCR and the PIT as firmware does for the system it boots, when the
     * VMM itself boots a kernel the way firmware would. Before any processor runs.
     */
    void setBiosPlatformState(BiosPlatformState state);

    @Override
    void close();
}
