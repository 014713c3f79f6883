package jvisor.devices.pci;

/**
 * One PCI function's configuration space as the host bridge reaches it: offsets 0-4095 (ECAM
 * reaches the extended space; a conventional function reads zero there). An access never crosses
 * a dword: {@code offset + size <= (offset | 3) + 1}, sizes 1, 2 or 4, values little-endian and
 * zero-extended. Implementations treat every value as guest input.
 */
public interface PciDevice {
    int configRead(int offset, int size);

    void configWrite(int offset, int size, int value);
}
