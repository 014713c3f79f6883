package jvisor.devices.testdev;

import java.nio.charset.StandardCharsets;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;
import jvisor.devices.pci.Bar;
import jvisor.devices.pci.PciFunction;

/**
 * QEMU's {@code pci-testdev} (vendor 0x1B36, device 0x0005): BAR0 is 4 KiB of memory, BAR1 256
 * I/O ports. Writing a test number (0-2) to offset 0 of either BAR selects one of three tests of
 * that BAR's kind; a test then shows a header (test, width, offset, data, count, name) and counts
 * the guest's writes to its offset, only those of the header's data byte where the test matches
 * data. Any other number deselects. kvm-unit-tests' {@code vmexit} test times these writes.
 *
 * <p>QEMU hands these to KVM as ioeventfds; here every write is an exit and counted, which is
 * what QEMU itself does without eventfds.
 */
public final class PciTestDev {
    public static final int VENDOR = 0x1B36;
    public static final int DEVICE = 0x0005;
    /** PCI class "other" (0xFF), subclass and interface 0. */
    static final int CLASS_OTHER = 0xFF_0000;
    static final String[] TESTS = {"no-eventfd", "wildcard-eventfd", "datamatch-eventfd"};
    static final int MEMORY_SIZE = 2048;
    static final int IO_SIZE = 128;
    static final int DATA_MATCH = 0xFA;
    static final int NO_MATCH = 0xCE;
    /** Header offsets: test(1) width(1) pad(2) offset(4) data(1) pad(3) count(4) name. */
    static final int HDR_WIDTH = 1;
    static final int HDR_OFFSET = 4;
    static final int HDR_DATA = 8;
    static final int HDR_COUNT = 12;
    static final int HDR_NAME = 16;

    /** One test's header bytes; {@code count} is kept in them so reads see it. */
    private static final class Test {
        final byte[] header;
        final int offset;
        final boolean matchData;
        final int data;

        Test(int index, boolean io) {
            String name = (io ? "portio-" : "mmio-") + TESTS[index % TESTS.length];
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            header = new byte[HDR_NAME + n.length + 1];
            offset = (io ? IO_SIZE : MEMORY_SIZE) + index;
            matchData = index % TESTS.length != 1;
            data = matchData ? DATA_MATCH : NO_MATCH;
            header[0] = (byte) index;
            header[HDR_WIDTH] = 1;
            put32(HDR_OFFSET, offset);
            header[HDR_DATA] = (byte) data;
            System.arraycopy(n, 0, header, HDR_NAME, n.length);
        }

        void put32(int at, int v) {
            for (int i = 0; i < 4; i++) {
                header[at + i] = (byte) (v >>> (8 * i));
            }
        }

        int count() {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v |= (header[HDR_COUNT + i] & 0xFF) << (8 * i);
            }
            return v;
        }
    }

    private final Test[] tests = new Test[2 * TESTS.length];
    private final PciFunction function;
    private int current = -1;

    public PciTestDev() {
        for (int i = 0; i < tests.length; i++) {
            tests[i] = new Test(i, i >= TESTS.length);
        }
        function = PciFunction.builder("pci-testdev", VENDOR, DEVICE)
                .classCode(CLASS_OTHER)
                .bar(0, new Bar.Memory(2 * MEMORY_SIZE, false, false, new MmioHandler() {
                    @Override
                    public long read(long offset, int size) {
                        return PciTestDev.this.read(offset, size);
                    }

                    @Override
                    public void write(long offset, int size, long value) {
                        PciTestDev.this.write(0, offset, size, value);
                    }
                }))
                .bar(1, new Bar.Io(2 * IO_SIZE, new PortHandler() {
                    @Override
                    public int read(int port, int size) {
                        return (int) PciTestDev.this.read(port, size);
                    }

                    @Override
                    public void write(int port, int size, int value) {
                        PciTestDev.this.write(1, port, size, value & 0xFFFF_FFFFL);
                    }
                }))
                .build();
    }

    public PciFunction function() {
        return function;
    }

    /** The device works a byte at a time, as QEMU's does: wider accesses are their bytes in order. */
    private synchronized long read(long offset, int size) {
        long v = 0;
        for (int i = 0; i < Math.min(size, 8); i++) {
            v |= (long) readByte(offset + i) << (8 * i);
        }
        return v;
    }

    private int readByte(long at) {
        if (current < 0) {
            return 0;
        }
        byte[] h = tests[current].header;
        return at >= 0 && at < h.length ? h[(int) at] & 0xFF : 0;
    }

    private synchronized void write(int kind, long offset, int size, long value) {
        for (int i = 0; i < Math.min(size, 8); i++) {
            writeByte(kind, offset + i, (int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private void writeByte(int kind, long at, int value) {
        if (at == 0) {
            current = value < TESTS.length ? kind * TESTS.length + value : -1;
            if (current >= 0) {
                tests[current].put32(HDR_COUNT, 0);
            }
            return;
        }
        if (current < 0) {
            return;
        }
        Test t = tests[current];
        if (at == t.offset && (!t.matchData || value == t.data)) {
            t.put32(HDR_COUNT, t.count() + 1);
        }
    }
}
