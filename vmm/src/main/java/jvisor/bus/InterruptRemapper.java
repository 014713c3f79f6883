package jvisor.bus;

/**
 * An interrupt-remapping unit between the interrupt sources (PCI functions' MSIs, the IOAPIC) and
 * the local APICs: it turns the message a source wrote into the message to deliver, or blocks it.
 */
@FunctionalInterface
public interface InterruptRemapper {
    /** The requester of a message whose source the platform does not identify (the IOAPIC, as in QEMU). */
    int UNKNOWN_REQUESTER = -1;

    /**
     * The compatibility-format message (address in the 0xFEExxxxx window, data) to deliver for
     * {@code data} written to {@code address} by {@code requester} (bus:device.function, or
     * {@link #UNKNOWN_REQUESTER}); null if the message is blocked.
     */
    MsiMessage remap(int requester, long address, int data);

    /** One message-signalled interrupt: the address written and the data. */
    record MsiMessage(long address, int data) { }
}
