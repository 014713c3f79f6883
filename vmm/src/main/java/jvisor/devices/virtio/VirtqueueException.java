package jvisor.devices.virtio;

/**
 * The driver broke a virtqueue's rules (a descriptor outside RAM, a loop, an index that jumped):
 * the device stops using the queue and asks for a reset. A guest's doing, so it carries no stack.
 */
public final class VirtqueueException extends Exception {
    public VirtqueueException(String message) {
        super(message, null, false, false);
    }
}
