package jvisor.devices.virtio;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.MmioHandler;
import jvisor.devices.pci.Bar;
import jvisor.devices.pci.PciConfig;
import jvisor.engine.GuestMemory;

/**
 * A virtio driver for tests, written from the specification: it programs a {@link VirtioPci}
 * through its BAR 4 registers, lays out split queues in guest RAM and posts chains, as Linux's
 * virtio_pci and virtio_ring do, but one step at a time so a test can break any rule.
 */
final class TestDriver {
    static final long RAM_BYTES = 16L << 20;
    /** Where queues and buffers go: queue q's rings at QUEUES + q * 64 KiB, data above DATA. */
    static final long QUEUES = 0x10_0000;
    static final long DATA = 0x40_0000;

    final GuestMemory ram;
    final VirtioPci transport;
    final MmioHandler regs;
    final List<String> msis = new ArrayList<>();
    private long nextData = DATA;
    private final int[] availIdx = new int[16];
    private final int[] usedSeen = new int[16];
    private final int[] sizes = new int[16];

    TestDriver(GuestMemory ram, VirtioDevice device) {
        this(ram, device, jvisor.devices.DeviceLog.discard("test"));
    }

    /** A driver whose transport logs to {@code log}, for tests that count the device's log lines. */
    TestDriver(GuestMemory ram, VirtioDevice device, jvisor.devices.DeviceLog log) {
        this.ram = ram;
        this.transport = new VirtioPci(device, "test", ram, log);
        this.regs = ((Bar.Memory) transport.function().bar(VirtioPci.REGION_BAR)).handler();
        transport.function().configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_BUS_MASTER);
    }

    static GuestMemory ram() {
        return GuestMemory.allocate(RAM_BYTES);
    }

    long read(int offset, int size) {
        return regs.read(offset, size);
    }

    void write(int offset, int size, long value) {
        regs.write(offset, size, value);
    }

    int status() {
        return (int) read(0x14, 1);
    }

    long deviceFeatures() {
        write(0x00, 4, 0);
        long low = read(0x04, 4);
        write(0x00, 4, 1);
        return low | read(0x04, 4) << 32;
    }

    void reset() {
        write(0x14, 1, 0);
    }

    /** ACKNOWLEDGE, DRIVER, the features, FEATURES_OK; returns whether FEATURES_OK stuck. */
    boolean negotiate(long features) {
        reset();
        write(0x14, 1, VirtioFeatures.STATUS_ACKNOWLEDGE);
        write(0x14, 1, VirtioFeatures.STATUS_ACKNOWLEDGE | VirtioFeatures.STATUS_DRIVER);
        write(0x08, 4, 0);
        write(0x0C, 4, features & 0xFFFF_FFFFL);
        write(0x08, 4, 1);
        write(0x0C, 4, features >>> 32);
        write(0x14, 1, VirtioFeatures.STATUS_ACKNOWLEDGE | VirtioFeatures.STATUS_DRIVER | VirtioFeatures.STATUS_FEATURES_OK);
        return (status() & VirtioFeatures.STATUS_FEATURES_OK) != 0;
    }

    /** Queue {@code q} with {@code size} entries at its standard place, enabled. */
    void queue(int q, int size) {
        long base = QUEUES + q * 0x1_0000L;
        queueAt(q, size, base, base + 16L * size, (base + 16L * size + 6 + 2L * size + 4095) & ~4095L);
    }

    void queueAt(int q, int size, long desc, long driver, long device) {
        if (ram.isRam(desc(q), 0x1_0000)) {
            ram.fill(desc(q), 0x1_0000, (byte) 0);      // a fresh queue: no used entries from an earlier test
        }
        write(0x16, 2, q);
        write(0x18, 2, size);
        write(0x20, 8, desc);
        write(0x28, 8, driver);
        write(0x30, 8, device);
        write(0x1C, 2, 1);
        sizes[q] = size;
        availIdx[q] = 0;
        usedSeen[q] = 0;
    }

    void driverOk() {
        write(0x14, 1, status() | VirtioFeatures.STATUS_DRIVER_OK);
    }

    long desc(int q) {
        return QUEUES + q * 0x1_0000L;
    }

    long avail(int q) {
        return desc(q) + 16L * sizes[q];
    }

    long usedRing(int q) {
        return (avail(q) + 6 + 2L * sizes[q] + 4095) & ~4095L;
    }

    /** Writes descriptor {@code i} of queue {@code q}'s table. */
    void descriptor(int q, int i, long addr, int len, int flags, int next) {
        descriptorAt(desc(q) + 16L * i, addr, len, flags, next);
    }

    void descriptorAt(long at, long addr, int len, int flags, int next) {
        ram.write64(at, addr);
        ram.write32(at + 8, len);
        ram.write16(at + 12, flags);
        ram.write16(at + 14, next);
    }

    /** Makes chain {@code head} available and notifies. */
    void post(int q, int head) {
        ram.write16(avail(q) + 4 + 2L * (availIdx[q] % sizes[q]), head);
        availIdx[q] = (availIdx[q] + 1) & 0xFFFF;
        ram.write16(avail(q) + 2, availIdx[q]);
        notifyQueue(q);
    }

    void setAvailIndex(int q, int index) {
        availIdx[q] = index & 0xFFFF;
        ram.write16(avail(q) + 2, availIdx[q]);
    }

    void notifyQueue(int q) {
        write(VirtioPci.NOTIFY + q * VirtioPci.NOTIFY_MULTIPLIER, 2, q);
    }

    /** Waits (up to 5 s) for the next used element of queue {@code q}: {head, len}. */
    int[] used(int q, long timeoutMillis) {
        long end = System.currentTimeMillis() + timeoutMillis;
        while ((ram.read16(usedRing(q) + 2) & 0xFFFF) == usedSeen[q]) {
            if (System.currentTimeMillis() > end) {
                return null;
            }
            Thread.onSpinWait();
        }
        long element = usedRing(q) + 4 + 8L * (usedSeen[q] % sizes[q]);
        usedSeen[q] = (usedSeen[q] + 1) & 0xFFFF;
        return new int[] {ram.read32(element), ram.read32(element + 4)};
    }

    int[] nextUsed(int q) {
        return used(q, 5000);
    }

    /** Guest RAM for a buffer, zeroed. */
    long buffer(int bytes) {
        long at = nextData;
        nextData = (nextData + bytes + 15) & ~15L;
        ram.fill(at, bytes, (byte) 0);
        return at;
    }

    /** Waits until the device shows DEVICE_NEEDS_RESET (up to 5 s). */
    boolean awaitNeedsReset() {
        long end = System.currentTimeMillis() + 5000;
        while ((status() & VirtioFeatures.STATUS_NEEDS_RESET) == 0) {
            if (System.currentTimeMillis() > end) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
