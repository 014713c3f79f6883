package jvisor.devices.pci;

/**
 * A register in configuration space with behaviour beyond storing bits: MSI-X's message control,
 * virtio's configuration-access window. Called with the function's lock held.
 */
public interface ConfigListener {
    /** A guest write landed in the listener's range; the new bytes are already stored. */
    default void written(PciFunction f, int offset, int size) { }

    /** A guest read of the listener's range is about to happen: refresh the stored bytes. */
    default void beforeRead(PciFunction f, int offset, int size) { }
}
