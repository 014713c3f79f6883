package jvisor.engine.emu;

import jvisor.bus.InterruptRemapper;
import jvisor.bus.IrqLine;

/**
 * The PC platform the emu engine builds in Java where kvm has it in the kernel: a local APIC per
 * processor, the IOAPIC, the 8259 PICs and the 8254 PIT, wired to the VM's hook tables.
 */
public interface EmuPlatform extends AutoCloseable {
    /** Processor {@code cpu}'s local interrupt controller. */
    LocalInterrupts localInterrupts(int cpu);

    /** Interrupt line {@code gsi}: ISA IRQs reach both the PICs and the IOAPIC. */
    IrqLine irqLine(int gsi);

    /**
     * A message-signalled interrupt: {@code data} written to {@code address} in the 0xFEExxxxx
     * window. A platform without local APICs to receive it drops it.
     */
    default void signalMsi(long address, int data) { }

    /** Sends the IOAPIC's interrupts through {@code remapper}; false for a platform without an IOAPIC. */
    default boolean remapIoApicInterrupts(InterruptRemapper remapper) {
        return false;
    }

    /** Stops the platform's timers. */
    @Override
    void close();
}
