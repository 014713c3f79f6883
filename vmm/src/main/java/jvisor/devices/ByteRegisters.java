package jvisor.devices;

import jvisor.bus.PortHandler;

/**
 * A device whose registers are single bytes at consecutive ports. A wider access reaches the
 * consecutive registers one byte at a time, as an 8-bit ISA device sees it; bytes beyond the
 * device's ports read as the floating bus and are not written.
 */
interface ByteRegisters extends PortHandler {
    /** The first port of the device. */
    int firstPort();

    /** How many ports (registers) the device decodes. */
    int registerCount();

    int readRegister(int index);

    void writeRegister(int index, int value);

    @Override
    default int read(int port, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            int index = port - firstPort() + i;
            int b = index >= 0 && index < registerCount() ? readRegister(index) & 0xFF : 0xFF;
            value |= b << (8 * i);
        }
        return value;
    }

    @Override
    default void write(int port, int size, int value) {
        for (int i = 0; i < size; i++) {
            int index = port - firstPort() + i;
            if (index >= 0 && index < registerCount()) {
                writeRegister(index, (value >>> (8 * i)) & 0xFF);
            }
        }
    }
}
