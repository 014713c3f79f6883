package jvisor.engine;

/**
 * The VMM's side of guest port and MMIO accesses (Cloud Hypervisor's VmOps). The main loop calls
 * it for the IO and MMIO exits it receives; the emu engine calls it directly from the instruction
 * that makes the access. Sizes are 1, 2, 4 or 8 bytes; values are zero-extended.
 */
public interface GuestIo {
    int portRead(int port, int size);

    void portWrite(int port, int size, int value);

    long mmioRead(long address, int size);

    void mmioWrite(long address, int size, long value);
}
