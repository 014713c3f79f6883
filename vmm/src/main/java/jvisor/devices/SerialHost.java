package jvisor.devices;

/**
 * The host end of a UART's serial line: where transmitted bytes go and where received bytes wait
 * until the UART has room for them. Calls come from vCPU threads under the UART's lock and must
 * not block.
 */
public interface SerialHost {
    /** Whether the host takes {@code count} more bytes now without dropping any. */
    boolean canTransmit(int count);

    /** Sends one byte. A host that is full drops it: the guest wrote without waiting for THRE. */
    void transmit(int b);

    /** The next received byte, or -1 if none is waiting. */
    int receive();
}
