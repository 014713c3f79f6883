package jvisor.devices.testdev;

import java.util.function.IntFunction;
import jvisor.bus.IrqLine;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;

/**
 * QEMU's {@code pc-testdev}, the ISA device kvm-unit-tests' x86 suite expects: a 32-bit scratch
 * register at ports 0xE0-0xE3 (also reachable a byte at a time at 0xE8-0xEB), a "flush page"
 * port at 0xE4, one write-only port per interrupt line at 0x2000 + n (a non-zero byte raises
 * line n, zero lowers it), and 64 KiB of scratch memory at guest-physical 0xFF000000 that the
 * {@code emulator} test uses for memory operands which must go through MMIO emulation.
 *
 * <p>Everything here is guest input: sizes and offsets are checked, never trusted.
 */
public final class PcTestDev {
    public static final int DATA_PORT = 0xE0;
    public static final int FLUSH_PORT = 0xE4;
    public static final int DATA_BYTE_PORT = 0xE8;
    public static final int IRQ_PORT = 0x2000;
    public static final int IRQ_LINES = PcLayout.IOAPIC_PINS;
    public static final long IOMEM_BASE = 0xFF00_0000L;
    public static final int IOMEM_SIZE = 0x1_0000;

    private final IntFunction<IrqLine> lines;
    private final byte[] iomem = new byte[IOMEM_SIZE];
    private int data;

    /** {@code lines} gives interrupt line n (an ISA IRQ or IOAPIC input, 0-23). */
    public PcTestDev(IntFunction<IrqLine> lines) {
        this.lines = lines;
    }

    /** The scratch register, at 0xE0 (sized accesses) and at 0xE8 (the same register). */
    public final PortHandler dataPorts = new PortHandler() {
        @Override
        public synchronized int read(int port, int size) {
            int shift = (port & 3) * 8;
            return (int) (((data & 0xFFFF_FFFFL) >>> shift) & mask(size));
        }

        @Override
        public synchronized void write(int port, int size, int value) {
            int shift = (port & 3) * 8;
            long m = (mask(size) << shift) & 0xFFFF_FFFFL;
            data = (int) ((data & ~m) | (((value & 0xFFFF_FFFFL) << shift) & m));
        }
    };

    /**
     * QEMU drops and re-maps the host page behind the address written here, to test how KVM copes
     * with a page going away under the guest. Guest RAM here never goes away, so there is nothing
     * to do; the port exists so that writing it is harmless.
     */
    public final PortHandler flushPort = new PortHandler() {
        @Override
        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        @Override
        public void write(int port, int size, int value) {
            // nothing to flush: see above
        }
    };

    public final PortHandler irqPorts = new PortHandler() {
        @Override
        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        @Override
        public void write(int port, int size, int value) {
            int line = port - IRQ_PORT;
            // QEMU accepts byte writes only; a wider one is ignored as an invalid access.
            if (size == 1 && line >= 0 && line < IRQ_LINES) {
                lines.apply(line).set((value & 0xFF) != 0);
            }
        }
    };

    public final MmioHandler iomemHandler = new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            long v = 0;
            synchronized (iomem) {
                for (int i = 0; i < size && i < 8; i++) {
                    long at = offset + i;
                    v |= at >= 0 && at < IOMEM_SIZE ? (iomem[(int) at] & 0xFFL) << (8 * i) : 0;
                }
            }
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            synchronized (iomem) {
                for (int i = 0; i < size && i < 8; i++) {
                    long at = offset + i;
                    if (at >= 0 && at < IOMEM_SIZE) {
                        iomem[(int) at] = (byte) (value >>> (8 * i));
                    }
                }
            }
        }
    };

    private static long mask(int size) {
        return size >= 4 ? 0xFFFF_FFFFL : (1L << (size * 8)) - 1;
    }
}
