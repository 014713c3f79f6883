package jvisor.devices.virtio;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jvisor.bus.MmioHandler;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.Bar;
import jvisor.devices.pci.Msix;
import jvisor.devices.pci.PciFunction;
import jvisor.engine.GuestMemory;

/**
 * The virtio 1.x PCI transport (virtio 1.2, 4.1), modern interface only: a function with the
 * virtio vendor ID and device ID 0x1040 + type, MSI-X in BAR 1, and in BAR 4 the common
 * configuration, ISR status, device configuration and notification structures that its vendor
 * capabilities point at, plus the PCI configuration access capability. It negotiates features
 * (refusing any the device did not offer, and drivers without VERSION_1), validates and opens the
 * queues, and delivers used-buffer and configuration interrupts by MSI-X or INTx.
 */
public final class VirtioPci implements VirtioContext {
    public static final int VENDOR = 0x1AF4;
    public static final int DEVICE_BASE = 0x1040;
    /** BAR 4's layout: one 4 KiB page per structure. */
    static final int COMMON = 0x0000;
    static final int ISR = 0x1000;
    static final int DEVICE = 0x2000;
    static final int NOTIFY = 0x3000;
    static final int REGION_SIZE = 0x4000;
    static final int COMMON_LENGTH = 0x38;
    static final int NOTIFY_MULTIPLIER = 4;
    static final int MSIX_BAR = 1;
    static final int REGION_BAR = 4;
    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;

    private final VirtioDevice device;
    private final String name;
    private final GuestMemory memory;
    private final DeviceLog log;
    private final Msix msix;
    private final PciFunction function;
    private final AtomicInteger isr = new AtomicInteger();
    private final Region region = new Region();
    private final long offered;

    // Common configuration, guarded by this.
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private volatile long driverFeatures;
    private int configVector = Msix.NO_VECTOR;
    private volatile int status;
    private final AtomicInteger configGeneration = new AtomicInteger();
    private int queueSelect;
    private final int[] queueSize;
    private final int[] queueVector;
    private final boolean[] queueEnabled;
    private final long[] queueDescriptors;
    private final long[] queueDriver;
    private final long[] queueDevice;
    private final Virtqueue[] queues;
    private volatile boolean failed;
    private volatile boolean started;

    public VirtioPci(VirtioDevice device, String name, GuestMemory memory, DeviceLog log) {
        this.device = device;
        this.name = name;
        this.memory = memory;
        this.log = log;
        this.offered = device.features() | VirtioFeatures.TRANSPORT;
        int n = device.queueCount();
        queueSize = new int[n];
        queueVector = new int[n];
        queueEnabled = new boolean[n];
        queueDescriptors = new long[n];
        queueDriver = new long[n];
        queueDevice = new long[n];
        queues = new Virtqueue[n];
        resetTransport();
        msix = new Msix(n + 1, 0x800);
        PciFunction.Builder b = PciFunction.builder(name, VENDOR, DEVICE_BASE + device.type())
                .revision(1)
                .classCode(device.pciClass())
                .subsystem(VENDOR, 0x1100)
                .interruptPin(1)
                .bar(MSIX_BAR, new Bar.Memory(msix.barSize(), false, false, msix))
                .bar(REGION_BAR, new Bar.Memory(REGION_SIZE, true, true, region))
                .msix(msix, MSIX_BAR)
                .pciExpress();
        VirtioCapabilities.add(b, this::barAccess, device.configSize());
        function = b.build();
    }

    public PciFunction function() {
        return function;
    }

    public VirtioDevice device() {
        return device;
    }

    // ---- VirtioContext, for the device ----

    @Override
    public long features() {
        return driverFeatures;
    }

    @Override
    public Virtqueue queue(int index) {
        return index >= 0 && index < queues.length ? queues[index] : null;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void usedBuffers(Virtqueue queue) {
        if (!failed && queue.needsInterrupt()) {
            interrupt(ISR_QUEUE, queueVector[queue.index()]);
        }
    }

    /** From any thread, without the transport's lock (a reset holds it while it waits for the workers). */
    @Override
    public void configChanged() {
        configGeneration.incrementAndGet();
        interrupt(ISR_CONFIG, configVector);
    }

    /** From any thread, without the transport's lock; DEVICE_NEEDS_RESET shows in the status register. */
    @Override
    public void fail(String why) {
        if (failed) {
            return;
        }
        failed = true;
        log.warn("%s; the device needs a reset", why);
        if ((status & VirtioFeatures.STATUS_DRIVER_OK) != 0) {
            configChanged();
        }
    }

    @Override
    public boolean failed() {
        return failed;
    }

    private void interrupt(int cause, int vector) {
        if (msix.enabled()) {
            msix.signal(vector);
        } else {
            isr.getAndAccumulate(cause, (a, b) -> a | b);
            function.setIntx(true);
        }
    }

    // ---- BAR 4 ----

    /** The modern configuration region: common, ISR, device and notification structures. */
    private final class Region implements MmioHandler {
        @Override
        public long read(long offset, int size) {
            if (offset < ISR) {
                return commonRead((int) offset, size);
            }
            if (offset < DEVICE) {
                return offset == ISR ? readIsr() : 0;
            }
            if (offset < NOTIFY) {
                return deviceConfigRead((int) (offset - DEVICE), size);
            }
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset < ISR) {
                commonWrite((int) offset, size, value);
            } else if (offset >= DEVICE && offset < NOTIFY) {
                deviceConfigWrite((int) (offset - DEVICE), size, (int) value);
            } else if (offset >= NOTIFY) {
                long queue = (offset - NOTIFY) / NOTIFY_MULTIPLIER;
                if (queue < queues.length && started && !failed) {
                    device.notify((int) queue);
                }
            }
        }
    }

    /** Reading ISR status clears it and withdraws INTx (4.1.4.5). */
    private int readIsr() {
        int value = isr.getAndSet(0);
        function.setIntx(false);
        return value;
    }

    private synchronized long deviceConfigRead(int offset, int size) {
        if (size == 8) {
            return deviceConfigRead(offset, 4) | deviceConfigRead(offset + 4, 4) << 32;
        }
        if (offset + size > device.configSize() || size > 4) {
            return 0;
        }
        return device.readConfig(offset, size) & 0xFFFF_FFFFL;
    }

    private synchronized void deviceConfigWrite(int offset, int size, int value) {
        if (offset + size <= device.configSize() && size <= 4) {
            device.writeConfig(offset, size, value);
        }
    }

    /** A BAR access made through the PCI configuration access capability. */
    private long barAccess(int bar, long offset, int size, boolean write, long value) {
        if (bar != REGION_BAR || offset < 0 || offset + size > REGION_SIZE) {
            return 0;
        }
        if (write) {
            region.write(offset, size, value);
            return 0;
        }
        return region.read(offset, size);
    }

    // ---- common configuration (4.1.4.3) ----

    private synchronized long commonRead(int offset, int size) {
        int q = queueSelect;
        boolean valid = q < queues.length;
        long value = switch (offset) {
            case 0x00 -> deviceFeatureSelect;
            case 0x04 -> deviceFeatureSelect < 2 ? (int) (offered >>> 32 * deviceFeatureSelect) & 0xFFFF_FFFFL : 0;
            case 0x08 -> driverFeatureSelect;
            case 0x0C -> driverFeatureSelect < 2 ? (int) (driverFeatures >>> 32 * driverFeatureSelect) & 0xFFFF_FFFFL : 0;
            case 0x10 -> configVector;
            case 0x12 -> queues.length;
            case 0x14 -> status | (failed ? VirtioFeatures.STATUS_NEEDS_RESET : 0);
            case 0x15 -> configGeneration.get() & 0xFF;
            case 0x16 -> queueSelect;
            case 0x18 -> valid ? queueSize[q] : 0;
            case 0x1A -> valid ? queueVector[q] : Msix.NO_VECTOR;
            case 0x1C -> valid && queueEnabled[q] ? 1 : 0;
            case 0x1E -> valid ? q : 0;
            case 0x20 -> valid ? queueDescriptors[q] : 0;
            case 0x24 -> valid ? queueDescriptors[q] >>> 32 : 0;
            case 0x28 -> valid ? queueDriver[q] : 0;
            case 0x2C -> valid ? queueDriver[q] >>> 32 : 0;
            case 0x30 -> valid ? queueDevice[q] : 0;
            case 0x34 -> valid ? queueDevice[q] >>> 32 : 0;
            default -> 0;
        };
        if (size == 8 && (offset == 0x20 || offset == 0x28 || offset == 0x30)) {
            return value | commonRead(offset + 4, 4) << 32;
        }
        return size >= 8 ? value : value & ((1L << 8 * size) - 1);
    }

    /** A reset runs outside the lock: it waits for the device's workers, which may need the lock to finish. */
    private void commonWrite(int offset, int size, long value) {
        if (offset == 0x14 && (value & 0xFF) == 0) {
            reset();
        } else {
            commonWriteLocked(offset, size, value);
        }
    }

    private synchronized void commonWriteLocked(int offset, int size, long value) {
        if (size == 8 && (offset == 0x20 || offset == 0x28 || offset == 0x30)) {
            commonWriteLocked(offset, 4, value & 0xFFFF_FFFFL);
            commonWriteLocked(offset + 4, 4, value >>> 32);
            return;
        }
        int v = (int) value;
        int q = queueSelect;
        boolean queueWritable = q < queues.length && !queueEnabled[q]
                && (status & VirtioFeatures.STATUS_DRIVER_OK) == 0;
        switch (offset) {
            case 0x00 -> deviceFeatureSelect = v;
            case 0x08 -> driverFeatureSelect = v;
            case 0x0C -> {
                if (driverFeatureSelect < 2 && (status & VirtioFeatures.STATUS_FEATURES_OK) == 0) {
                    int shift = 32 * driverFeatureSelect;
                    driverFeatures = driverFeatures & ~(0xFFFF_FFFFL << shift) | (v & 0xFFFF_FFFFL) << shift;
                }
            }
            case 0x10 -> configVector = vector(v);
            case 0x14 -> writeStatus(v & 0xFF);
            case 0x16 -> queueSelect = v & 0xFFFF;
            case 0x18 -> {
                if (queueWritable) {
                    queueSize[q] = v & 0xFFFF;     // checked when the queue opens: a driver may only shrink it
                }
            }
            case 0x1A -> {
                if (q < queues.length) {
                    queueVector[q] = vector(v);
                }
            }
            case 0x1C -> {
                if (q < queues.length && (v & 1) == 1 && !queueEnabled[q]) {
                    queueEnabled[q] = true;
                }
            }
            case 0x20, 0x24 -> {
                if (queueWritable) {
                    queueDescriptors[q] = half(queueDescriptors[q], offset == 0x24, v);
                }
            }
            case 0x28, 0x2C -> {
                if (queueWritable) {
                    queueDriver[q] = half(queueDriver[q], offset == 0x2C, v);
                }
            }
            case 0x30, 0x34 -> {
                if (queueWritable) {
                    queueDevice[q] = half(queueDevice[q], offset == 0x34, v);
                }
            }
            default -> { }
        }
    }

    private static long half(long old, boolean high, int v) {
        return high ? old & 0xFFFF_FFFFL | (long) v << 32 : old & ~0xFFFF_FFFFL | v & 0xFFFF_FFFFL;
    }

    /** A vector the table has, else "no vector": reading it back tells the driver (4.1.5.1.2). */
    private int vector(int v) {
        int vector = v & 0xFFFF;
        return vector < msix.vectors() ? vector : Msix.NO_VECTOR;
    }

    private void writeStatus(int value) {
        int added = value & ~status;
        int next = status | value & ~(VirtioFeatures.STATUS_NEEDS_RESET);
        if ((added & VirtioFeatures.STATUS_FEATURES_OK) != 0 && !featuresAcceptable()) {
            next &= ~VirtioFeatures.STATUS_FEATURES_OK;
        }
        if ((added & VirtioFeatures.STATUS_DRIVER_OK) != 0 && (next & VirtioFeatures.STATUS_FEATURES_OK) == 0) {
            next &= ~VirtioFeatures.STATUS_DRIVER_OK;
        }
        status = next;
        if ((added & VirtioFeatures.STATUS_DRIVER_OK) != 0 && (next & VirtioFeatures.STATUS_DRIVER_OK) != 0) {
            startDevice();
        }
    }

    /** Only features the device offered, and VERSION_1: this is a modern-only device. */
    private boolean featuresAcceptable() {
        long unknown = driverFeatures & ~offered;
        if (unknown != 0) {
            log.warn("driver accepted features %#x that were not offered; FEATURES_OK refused", unknown);
            return false;
        }
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            log.warn("driver did not accept VERSION_1; FEATURES_OK refused");
            return false;
        }
        return true;
    }

    private void startDevice() {
        for (int q = 0; q < queues.length; q++) {
            if (!queueEnabled[q]) {
                continue;
            }
            if (queueSize[q] > device.maxQueueSize(q)) {
                fail("queue " + q + ": size " + queueSize[q] + " is larger than the device's " + device.maxQueueSize(q));
                return;
            }
            try {
                queues[q] = Virtqueue.open(memory, q, new Virtqueue.Layout(queueSize[q], queueDescriptors[q],
                        queueDriver[q], queueDevice[q]), driverFeatures);
            } catch (VirtqueueException e) {
                fail(e.getMessage());
                return;
            }
        }
        started = true;
        device.start(this);
    }

    /** Device reset (status 0): the device stops, then every transport register returns to its initial value. */
    private void reset() {
        started = false;
        device.reset();
        synchronized (this) {
            resetTransport();
        }
        isr.set(0);
        function.setIntx(false);
    }

    private void resetTransport() {
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        driverFeatures = 0;
        configVector = Msix.NO_VECTOR;
        status = 0;
        queueSelect = 0;
        failed = false;
        for (int q = 0; q < queues.length; q++) {
            queueSize[q] = device.maxQueueSize(q);
            queueVector[q] = Msix.NO_VECTOR;
            queueEnabled[q] = false;
            queueDescriptors[q] = 0;
            queueDriver[q] = 0;
            queueDevice[q] = 0;
            queues[q] = null;
        }
    }

    synchronized int status() {
        return status;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(queueEnabled);
    }
}
