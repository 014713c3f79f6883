package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import jvisor.devices.DeviceLog;
import jvisor.engine.GuestMemory;
import jvisor.net.RxOffload;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames through virtio-net allocate nothing per frame: the transmit worker's allocation and the
 * receiving thread's stay flat however many frames pass.
 */
class VirtioNetAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final GuestMemory RAM = TestDriver.ram();
    private static final int QUEUE = 64;
    private static final int FRAMES = 20_000;

    private final FakeNetBackend backend = new FakeNetBackend();
    private TestDriver driver;
    private VirtioNet net;

    private void boot(long features) {
        net = new VirtioNet("net", backend, VirtioNetTest.MAC, DeviceLog.discard("net"));
        driver = new TestDriver(RAM, net);
        assertTrue(driver.negotiate(features));
        driver.queue(VirtioNet.RECEIVE, QUEUE);
        driver.queue(VirtioNet.TRANSMIT, QUEUE);
        driver.driverOk();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.reset();
        }
    }

    private int usedIndex(int q) {
        return RAM.read16(driver.usedRing(q) + 2);
    }

    @Test
    void transmittingAllocatesNothingPerFrame() {
        boot(VirtioNetTest.OFFLOADS);
        backend.record = false;
        long[] buffers = new long[QUEUE];
        for (int i = 0; i < QUEUE; i++) {
            buffers[i] = driver.buffer(NetHeader.SIZE + 1514);
            RAM.write(buffers[i], VirtioNetTest.header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16));
            driver.descriptor(VirtioNet.TRANSMIT, i, buffers[i], NetHeader.SIZE + 1514, 0, 0);
        }
        long before = 0;
        long threadId = -1;
        for (int n = 0; n < FRAMES; n++) {
            while (((n - usedIndex(VirtioNet.TRANSMIT)) & 0xFFFF) >= QUEUE) {
                Thread.onSpinWait();      // the ring is full: wait for the worker
            }
            if (n == FRAMES / 4) {
                while (usedIndex(VirtioNet.TRANSMIT) != n) {
                    Thread.onSpinWait();
                }
                threadId = backend.transmitThread.threadId();
                before = THREADS.getThreadAllocatedBytes(threadId);
            }
            driver.post(VirtioNet.TRANSMIT, n % QUEUE);
        }
        while (usedIndex(VirtioNet.TRANSMIT) != (FRAMES & 0xFFFF)) {
            Thread.onSpinWait();
        }
        long allocated = THREADS.getThreadAllocatedBytes(threadId) - before;
        assertEquals(FRAMES, backend.transmitted);
        assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + FRAMES * 3 / 4 + " frames");
    }

    @Test
    void receivingAllocatesNothingPerFrame() {
        boot(VirtioNetTest.OFFLOADS);
        for (int i = 0; i < QUEUE; i++) {
            driver.descriptor(VirtioNet.RECEIVE, i, driver.buffer(4096), 4096, Virtqueue.F_WRITE, 0);
        }
        ByteBuffer small = ByteBuffer.allocateDirect(1514);
        ByteBuffer large = ByteBuffer.allocateDirect(9000);
        large.put(0, VirtioNetTest.tcpFrame(9000 - 54));
        RxOffload offload = RxOffload.tcp4(34, Tcp.HEADER, 1448);
        int posted = 0;
        long before = 0;
        for (int n = 0; n < FRAMES; n++) {
            if (n == FRAMES / 4) {
                before = THREADS.getCurrentThreadAllocatedBytes();
            }
            while (posted - usedIndex(VirtioNet.RECEIVE) < QUEUE) {
                driver.post(VirtioNet.RECEIVE, posted % QUEUE);   // the guest keeps its buffers posted, in order
                posted++;
            }
            boolean delivered = n % 2 == 0 ? net.receive(small.clear(), RxOffload.DATA_VALID)
                    : net.receive(large.clear(), offload);
            assertTrue(delivered);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(FRAMES, net.counters().delivered());
        assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + FRAMES * 3 / 4 + " frames");
    }
}
