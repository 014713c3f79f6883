package jvisor.devices.pci;

import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;

/**
 * A base address register's region: its kind, its size (a power of two) and the handler that
 * serves it wherever the guest places it. Offsets reaching the handler are relative to the BAR.
 */
public sealed interface Bar {
    long size();

    /** The low bits the BAR register reads back with (type and prefetchable flags). */
    int flags();

    /** Memory space, 32-bit or 64-bit decoding. */
    record Memory(long size, boolean wide, boolean prefetchable, MmioHandler handler) implements Bar {
        public Memory {
            if (Long.bitCount(size) != 1 || size < 16) {
                throw new IllegalArgumentException("a memory BAR's size is a power of two of at least 16: " + size);
            }
            if (!wide && size > 1L << 31) {
                throw new IllegalArgumentException("a 32-bit BAR cannot be " + size + " bytes");
            }
        }

        @Override
        public int flags() {
            return (wide ? PciConfig.BAR_MEMORY_64 : 0) | (prefetchable ? PciConfig.BAR_PREFETCHABLE : 0);
        }
    }

    /** I/O space; offsets reaching the handler are port - base. */
    record Io(long size, PortHandler handler) implements Bar {
        public Io {
            if (Long.bitCount(size) != 1 || size < 4 || size > 256) {
                throw new IllegalArgumentException("an I/O BAR's size is a power of two from 4 to 256: " + size);
            }
        }

        @Override
        public int flags() {
            return PciConfig.BAR_IO;
        }
    }
}
