package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jvisor.devices.pci.Msix;
import jvisor.devices.pci.PciConfig;
import jvisor.devices.pci.PciFunction;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.Test;

/** The modern PCI transport as a driver meets it: capabilities, negotiation, queues, interrupts, reset. */
class VirtioPciTest {
    private static final GuestMemory RAM = TestDriver.ram();

    /** A device that records what the transport tells it and echoes its queue 0. */
    static final class Echo implements VirtioDevice {
        final List<String> events = new ArrayList<>();
        volatile VirtioContext context;

        @Override
        public int type() {
            return 42;
        }

        @Override
        public int pciClass() {
            return 0xFF0000;
        }

        @Override
        public long features() {
            return 1L << 3;
        }

        @Override
        public int queueCount() {
            return 2;
        }

        @Override
        public int maxQueueSize(int queue) {
            return 16;
        }

        @Override
        public int configSize() {
            return 8;
        }

        @Override
        public int readConfig(int offset, int size) {
            return 0x0403_0201 >>> 8 * (offset & 3) & (size == 4 ? -1 : (1 << 8 * size) - 1);
        }

        @Override
        public synchronized void start(VirtioContext ctx) {
            context = ctx;
            events.add("start");
        }

        @Override
        public synchronized void notify(int queue) {
            events.add("notify " + queue);
            Virtqueue q = context.queue(queue);
            DescriptorChain c = q.newChain();
            try {
                while (q.pop(c)) {
                    q.push(c.head(), 7);
                    context.usedBuffers(q);
                }
            } catch (VirtqueueException e) {
                context.fail(e.getMessage());
            }
        }

        @Override
        public synchronized void reset() {
            events.add("reset");
            context = null;
        }
    }

    private final Echo device = new Echo();
    private final TestDriver driver = new TestDriver(RAM, device);

    private List<Integer> vendorCapabilityTypes(PciFunction f) {
        List<Integer> types = new ArrayList<>();
        for (int at = f.configRead(PciConfig.CAPABILITIES, 1); at != 0; at = f.configRead(at + 1, 1)) {
            if (f.configRead(at, 1) == PciConfig.CAP_VENDOR) {
                types.add(f.configRead(at + 3, 1));
            }
        }
        return types;
    }

    @Test
    void theFunctionIdentifiesAModernVirtioDevice() {
        PciFunction f = driver.transport.function();
        assertEquals(0x1AF4, f.configRead(0, 2));
        assertEquals(0x1040 + 42, f.configRead(2, 2));
        assertEquals(1, f.configRead(PciConfig.REVISION, 1));
        assertEquals(List.of(1, 2, 3, 4, 5), vendorCapabilityTypes(f));
    }

    @Test
    void theDeviceOffersItsFeaturesAndTheTransportsOwn() {
        assertEquals((1L << 3) | VirtioFeatures.TRANSPORT, driver.deviceFeatures());
    }

    @Test
    void featuresOkIsRefusedForUnofferedFeaturesAndWithoutVersion1() {
        assertFalse(driver.negotiate(VirtioFeatures.VERSION_1 | 1L << 4));
        assertFalse(driver.negotiate(1L << 3));
        assertTrue(driver.negotiate(VirtioFeatures.VERSION_1 | 1L << 3));
    }

    @Test
    void queuesAreConfiguredBeforeDriverOkAndTheirVectorsReadBack() {
        driver.negotiate(VirtioFeatures.VERSION_1);
        assertEquals(2, driver.read(0x12, 2), "num_queues");
        driver.write(0x16, 2, 1);
        assertEquals(16, driver.read(0x18, 2), "max size");
        driver.write(0x1A, 2, 2);
        assertEquals(2, driver.read(0x1A, 2));
        driver.write(0x1A, 2, 3);
        assertEquals(Msix.NO_VECTOR, driver.read(0x1A, 2), "3 vectors: 0-2");
        driver.write(0x10, 2, 0);
        assertEquals(0, driver.read(0x10, 2), "config vector");
        driver.write(0x16, 2, 5);
        assertEquals(0, driver.read(0x18, 2), "no queue 5");
        assertEquals(1L << 0 | 2L << 8 | 3L << 16 | 4L << 24, driver.read(VirtioPci.DEVICE, 4) & 0xFFFF_FFFFL);
    }

    @Test
    void aChainGoesRoundTripWithAnInterruptOnItsVector() {
        driver.negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX);
        driver.queue(0, 16);
        driver.driverOk();
        assertEquals("start", device.events.getLast());
        long buf = driver.buffer(64);
        driver.descriptor(0, 0, buf, 64, Virtqueue.F_WRITE, 0);
        driver.post(0, 0);
        int[] used = driver.nextUsed(0);
        assertNotNull(used);
        assertEquals(0, used[0]);
        assertEquals(7, used[1]);
        assertEquals(1, driver.read(VirtioPci.ISR, 1), "INTx: the queue bit (MSI-X is off)");
        assertEquals(0, driver.read(VirtioPci.ISR, 1), "reading ISR cleared it");
    }

    @Test
    void aQueueOutsideRamFailsTheDeviceAtDriverOk() {
        driver.negotiate(VirtioFeatures.VERSION_1);
        driver.queueAt(0, 16, 0x7FFF_0000_0000L, TestDriver.QUEUES + 0x100, TestDriver.QUEUES + 0x1000);
        driver.driverOk();
        assertTrue(driver.awaitNeedsReset());
        assertFalse(device.events.contains("start"), "the device never started");
        driver.reset();
        assertEquals(0, driver.status());
    }

    @Test
    void aQueueLargerThanTheDevicesMaximumFailsTheDevice() {
        driver.negotiate(VirtioFeatures.VERSION_1);
        driver.queue(0, 32);
        driver.driverOk();
        assertTrue(driver.awaitNeedsReset());
        assertFalse(device.events.contains("start"));
    }

    @Test
    void aBrokenChainFailsTheDeviceAndAResetBringsItBack() {
        driver.negotiate(VirtioFeatures.VERSION_1);
        driver.queue(0, 16);
        driver.driverOk();
        driver.descriptor(0, 0, TestDriver.DATA, 1, Virtqueue.F_NEXT, 0);
        driver.post(0, 0);
        assertTrue(driver.awaitNeedsReset());
        driver.reset();
        assertEquals(0, driver.status());
        assertTrue(device.events.contains("reset"));
        driver.negotiate(VirtioFeatures.VERSION_1);
        driver.queue(0, 16);
        driver.driverOk();
        driver.descriptor(0, 0, driver.buffer(8), 8, Virtqueue.F_WRITE, 0);
        driver.post(0, 0);
        assertNotNull(driver.nextUsed(0));
        assertEquals(0, driver.status() & VirtioFeatures.STATUS_NEEDS_RESET);
    }

    @Test
    void thePciConfigurationWindowReachesTheCommonConfiguration() {
        PciFunction f = driver.transport.function();
        int cap = 0;
        for (int at = f.configRead(PciConfig.CAPABILITIES, 1); at != 0; at = f.configRead(at + 1, 1)) {
            if (f.configRead(at, 1) == PciConfig.CAP_VENDOR && f.configRead(at + 3, 1) == 5) {
                cap = at;
            }
        }
        f.configWrite(cap + 4, 1, VirtioPci.REGION_BAR);
        f.configWrite(cap + 8, 4, 0x12);                 // num_queues
        f.configWrite(cap + 12, 4, 2);
        assertEquals(2, f.configRead(cap + 16, 4) & 0xFFFF);
        f.configWrite(cap + 8, 4, 0x16);                 // queue_select = 1 through the window
        f.configWrite(cap + 16, 4, 1);
        assertEquals(1, driver.read(0x16, 2));
        f.configWrite(cap + 8, 4, 0x13);                 // misaligned for 2 bytes: nothing happens
        f.configWrite(cap + 16, 4, 0);
        assertEquals(1, driver.read(0x16, 2));
    }
}
