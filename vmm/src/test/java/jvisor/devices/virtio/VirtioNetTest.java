package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import jvisor.devices.DeviceLog;
import jvisor.engine.GuestMemory;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** virtio-net end to end through the transport: the transmit worker, receive on the caller's thread, a fake backend. */
class VirtioNetTest {
    static final GuestMemory RAM = TestDriver.ram();
    static final long BASIC = VirtioFeatures.VERSION_1 | VirtioNet.F_MAC | VirtioNet.F_STATUS;
    static final long OFFLOADS = BASIC | VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM | VirtioNet.F_HOST_TSO4
            | VirtioNet.F_GUEST_TSO4 | VirtioNet.F_MRG_RXBUF;
    static final MacAddress MAC = new MacAddress(0x5254_00AB_CDEFL);
    static final int RX = VirtioNet.RECEIVE;
    static final int TX = VirtioNet.TRANSMIT;

    final FakeNetBackend backend = new FakeNetBackend();
    final ByteArrayOutputStream logText = new ByteArrayOutputStream();
    final DeviceLog log = new DeviceLog(new PrintStream(logText, true, StandardCharsets.UTF_8), "net");
    VirtioNet net;
    TestDriver driver;

    void boot(long features) {
        net = new VirtioNet("net", backend, MAC, log);
        driver = new TestDriver(RAM, net, log);
        assertTrue(driver.negotiate(features));
        driver.queue(RX, 16);
        driver.queue(TX, 16);
        driver.driverOk();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.reset();
        }
    }

    // ---- helpers ----

    static byte[] header(int flags, int gso, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        ByteBuffer h = ByteBuffer.allocate(NetHeader.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.put((byte) flags).put((byte) gso).putShort((short) hdrLen).putShort((short) gsoSize)
                .putShort((short) csumStart).putShort((short) csumOffset).putShort((short) 0);
        return h.array();
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    /** Posts {@code pieces} as one transmit chain (each its own descriptor) and waits for it to come back. */
    int[] transmit(byte[]... pieces) {
        for (int i = 0; i < pieces.length; i++) {
            long at = driver.buffer(Math.max(1, pieces[i].length));
            RAM.write(at, pieces[i]);
            driver.descriptor(TX, i, at, pieces[i].length, i + 1 < pieces.length ? Virtqueue.F_NEXT : 0, i + 1);
        }
        driver.post(TX, 0);
        int[] used = driver.nextUsed(TX);
        assertNotNull(used, "the transmit chain came back");
        return used;
    }

    /** Posts receive buffers of {@code size} bytes as descriptors {@code first..first+n-1}; returns their addresses. */
    long[] postReceive(int first, int n, int size) {
        long[] at = new long[n];
        for (int i = 0; i < n; i++) {
            at[i] = driver.buffer(size);
            driver.descriptor(RX, first + i, at[i], size, Virtqueue.F_WRITE, 0);
            driver.post(RX, first + i);
        }
        return at;
    }

    /** A TCP/IPv4 frame with {@code payload} bytes whose checksum field holds only the pseudo-header sum. */
    static byte[] tcpFrame(int payload) {
        int ipLength = Ipv4.HEADER + Tcp.HEADER + payload;
        ByteBuffer b = ByteBuffer.allocate(Ethernet.HEADER + ipLength);
        Ethernet.writeHeader(b, MAC.bits(), 0x5255_0A00_0202L, Ethernet.TYPE_IPV4);
        int source = 0x0A00_0202;
        int destination = 0x0A00_020F;
        Ipv4.writeHeader(b, Ethernet.HEADER, ipLength, 1, Ipv4.DONT_FRAGMENT, Ipv4.PROTOCOL_TCP, source, destination);
        int t = Ethernet.HEADER + Ipv4.HEADER;
        Bytes.put16(b, t + Tcp.SOURCE_PORT, 80);
        Bytes.put16(b, t + Tcp.DESTINATION_PORT, 40000);
        Bytes.put8(b, t + Tcp.DATA_OFFSET, 5 << 4);
        Bytes.put8(b, t + Tcp.FLAGS, Tcp.ACK);
        for (int i = 0; i < payload; i++) {
            b.put(t + Tcp.HEADER + i, (byte) (i * 13 + 1));
        }
        Bytes.put16(b, t + Tcp.CHECKSUM, Checksum.fold(Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_TCP,
                Tcp.HEADER + payload)));
        return b.array();
    }

    static boolean tcpChecksumVerifies(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        int t = Ethernet.HEADER + Ipv4.HEADER;
        int tcpLength = frame.length - t;
        return Checksum.verifies(Checksum.pseudoHeader(Bytes.u32(b, Ethernet.HEADER + Ipv4.SOURCE),
                Bytes.u32(b, Ethernet.HEADER + Ipv4.DESTINATION), Ipv4.PROTOCOL_TCP, tcpLength) + Checksum.sum(b, t, tcpLength));
    }

    // ---- configuration ----

    @Test
    void configurationSpaceHoldsTheMacAndTheLinkStatus() {
        boot(BASIC);
        assertEquals(VirtioNet.OFFERED | VirtioFeatures.TRANSPORT, driver.deviceFeatures());
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) driver.read(VirtioPci.DEVICE + i, 1);
        }
        assertArrayEquals(new byte[] {0x52, 0x54, 0x00, (byte) 0xAB, (byte) 0xCD, (byte) 0xEF}, mac);
        assertEquals(VirtioNet.STATUS_LINK_UP, driver.read(VirtioPci.DEVICE + 6, 2));
        int generation = (int) driver.read(0x15, 1);
        net.setLinkUp(false);
        assertEquals(0, driver.read(VirtioPci.DEVICE + 6, 2));
        assertTrue(driver.read(0x15, 1) != generation, "the configuration generation moved: the driver hears of it");
        assertEquals(1, backend.starts, "the backend starts at DRIVER_OK");
        assertEquals(GuestPort.ETHERNET_FRAME, net.maxReceiveSegment(), "no large segments without GUEST_TSO4");
    }

    @Test
    void largeSegmentsNeedGuestTso4AndGuestCsum() {
        boot(BASIC | VirtioNet.F_GUEST_TSO4 | VirtioNet.F_GUEST_CSUM);
        assertEquals(VirtioNet.MAX_FRAME, net.maxReceiveSegment());
        driver.reset();
        assertEquals(GuestPort.ETHERNET_FRAME, net.maxReceiveSegment(), "a reset forgets the offloads");
    }

    // ---- transmit ----

    @Test
    void aTransmittedFrameReachesTheBackendWithoutItsHeader() {
        boot(BASIC);
        byte[] f = frame(1514, 3);
        int[] used = transmit(header(0, 0, 0, 0, 0, 0), f);
        assertEquals(0, used[1], "nothing written into a transmit chain");
        List<FakeNetBackend.Sent> sent = backend.sent();
        assertEquals(1, sent.size());
        assertArrayEquals(f, sent.getFirst().frame());
        assertFalse(sent.getFirst().checksumPending());
        assertEquals(TxOffload.Segmentation.NONE, sent.getFirst().segmentation());
    }

    @Test
    void aSentFrameGoesOutAtOnceButItsChainComesBackOnlyAfterTheCompletionDelay() {
        boot(BASIC);
        long posted = System.nanoTime();
        transmit(header(0, 0, 0, 0, 0, 0), frame(100, 1));
        long back = System.nanoTime() - posted;
        assertEquals(1, backend.sent().size());
        assertTrue(back >= VirtioNetTx.COMPLETION_DELAY_NANOS,
                "the chain came back after " + back + " ns, before the delay Linux's autocorking relies on");
    }

    @Test
    void aFrameOnAnIdleQueueIsSentOnTheNotifyingThreadAndItsChainStillComesBackLate() throws InterruptedException {
        boot(BASIC);
        transmit(header(0, 0, 0, 0, 0, 0), frame(60, 1));
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("net-tx")).findFirst().orElseThrow();
        while (worker.getState() != Thread.State.WAITING) {
            Thread.sleep(1);    // parked with nothing held: the queue is idle
        }
        long at = driver.buffer(NetHeader.SIZE + 60);
        RAM.write(at, header(0, 0, 0, 0, 0, 0));
        RAM.write(at + NetHeader.SIZE, frame(60, 2));
        driver.descriptor(TX, 1, at, NetHeader.SIZE + 60, 0, 0);
        long posted = System.nanoTime();
        driver.post(TX, 1);
        assertEquals(2, backend.sent().size(), "sent before the notification returned");
        assertEquals(Thread.currentThread(), backend.transmitThread, "on the notifying thread, no worker woken for it");
        int[] used = driver.nextUsed(TX);
        assertNotNull(used, "the chain came back");
        assertEquals(1, used[0]);
        assertTrue(System.nanoTime() - posted >= VirtioNetTx.COMPLETION_DELAY_NANOS, "after the completion delay, as from the worker");
    }

    @Test
    void interruptCountsSurviveAReset() {
        boot(BASIC);
        transmit(header(0, 0, 0, 0, 0, 0), frame(60, 1));
        long before = net.signals().txInterrupts();
        assertTrue(before >= 1, "returning the chain interrupted the driver");
        driver.reset();
        assertEquals(before, net.signals().txInterrupts(), "a power-off's reset does not hide what --stats reports");
    }

    @Test
    void heldChainsAllComeBackInOrder() {
        boot(BASIC);
        int half = 8;       // of the 16-entry transmit queue
        for (int i = 0; i < half; i++) {
            long at = driver.buffer(NetHeader.SIZE + 60);
            RAM.write(at, header(0, 0, 0, 0, 0, 0));
            RAM.write(at + NetHeader.SIZE, frame(60, i));
            driver.descriptor(TX, i, at, NetHeader.SIZE + 60, 0, 0);
            driver.post(TX, i);
        }
        for (int i = 0; i < half; i++) {
            int[] used = driver.nextUsed(TX);
            assertNotNull(used, "chain " + i + " came back");
            assertEquals(i, used[0], "in order");
        }
        assertEquals(half, backend.sent().size());
    }

    @Test
    void headerAndFrameMayBeSplitAnywhereAcrossDescriptors() {
        boot(BASIC);
        byte[] whole = new byte[NetHeader.SIZE + 600];
        System.arraycopy(frame(600, 9), 0, whole, NetHeader.SIZE, 600);
        transmit(Arrays.copyOfRange(whole, 0, 5), Arrays.copyOfRange(whole, 5, 40), Arrays.copyOfRange(whole, 40, 41),
                Arrays.copyOfRange(whole, 41, whole.length));
        assertArrayEquals(frame(600, 9), backend.sent().getFirst().frame());
    }

    @Test
    void checksumAndSegmentationRequestsPassToTheBackend() {
        boot(OFFLOADS);
        transmit(header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16), frame(100, 1));
        transmit(header(NetHeader.F_NEEDS_CSUM, NetHeader.GSO_TCPV4, 66, 1448, 34, 16), frame(30000, 2));
        List<FakeNetBackend.Sent> sent = backend.sent();
        assertEquals(2, sent.size());
        assertTrue(sent.get(0).checksumPending());
        assertEquals(34, sent.get(0).checksumStart());
        assertEquals(16, sent.get(0).checksumOffset());
        assertEquals(TxOffload.Segmentation.TCP4, sent.get(1).segmentation());
        assertEquals(1448, sent.get(1).segmentSize());
        assertEquals(66, sent.get(1).headerLength());
        assertEquals(30000, sent.get(1).frame().length);
    }

    @Test
    void headersAskingForTheImpossibleDropTheirFrameAndTheDeviceGoesOn() {
        boot(BASIC | VirtioNet.F_CSUM);
        transmit(new byte[7]);                                                           // no room for the header
        transmit(header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 90, 16), frame(100, 1));         // checksum past the end
        transmit(header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 0xFFFF, 0xFFFF), frame(100, 1)); // far past
        transmit(header(NetHeader.F_NEEDS_CSUM, NetHeader.GSO_TCPV4, 54, 1448, 34, 16), frame(3000, 1)); // TSO not negotiated
        transmit(header(0, 4, 0, 0, 0, 0), frame(100, 1));                               // TCPv6 segmentation
        transmit(header(0, NetHeader.GSO_TCPV4 | NetHeader.GSO_ECN, 54, 1448, 0, 0), frame(100, 1));
        transmit(header(0, 0, 0, 0, 0, 0), new byte[VirtioNet.MAX_FRAME + 1]);            // too long
        assertEquals(0, backend.sent().size());
        assertEquals(7, net.counters().txDropped());
        transmit(header(0, 0, 0, 0, 0, 0), frame(60, 5));
        assertArrayEquals(frame(60, 5), backend.sent().getFirst().frame());
        assertEquals(0, driver.status() & VirtioFeatures.STATUS_NEEDS_RESET);
    }

    @Test
    void checksumOffloadNeedsCsumNegotiated() {
        boot(BASIC);
        transmit(header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16), frame(100, 1));
        assertEquals(0, backend.sent().size());
        assertEquals(1, net.counters().txDropped());
    }

    @Test
    void aTransmitDescriptorOutsideRamFailsTheDeviceWithOneLogLine() {
        boot(BASIC);
        driver.descriptor(TX, 0, RAM.size() + 0x1000, 100, 0, 0);
        driver.post(TX, 0);
        assertTrue(driver.awaitNeedsReset());
        assertNull(driver.used(TX, 200));
        String text = logText.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("not in RAM"), text);
    }

    // ---- receive ----

    @Test
    void aReceivedFrameGetsAHeaderAndOneBuffer() {
        boot(BASIC);
        long[] buffers = postReceive(0, 2, 2048);
        byte[] f = frame(1514, 4);
        assertTrue(net.receive(ByteBuffer.wrap(f), RxOffload.DATA_VALID));
        int[] used = driver.nextUsed(RX);
        assertEquals(0, used[0]);
        assertEquals(NetHeader.SIZE + 1514, used[1]);
        byte[] h = RAM.read(buffers[0], NetHeader.SIZE);
        assertArrayEquals(header(0, 0, 0, 0, 0, 0), Arrays.copyOf(Arrays.copyOf(h, 10), 12), "no offload flags: GUEST_CSUM was not negotiated");
        assertEquals(1, h[NetHeader.NUM_BUFFERS] & 0xFF);
        assertArrayEquals(f, RAM.read(buffers[0] + NetHeader.SIZE, 1514));
        assertEquals(1, net.counters().delivered());
    }

    @Test
    void withoutBuffersTheFrameIsRefusedAndPostingOneTellsTheBackend() {
        boot(BASIC);
        byte[] f = frame(200, 1);
        assertFalse(net.receive(ByteBuffer.wrap(f), RxOffload.NONE));
        assertEquals(1, net.counters().rxFull());
        int before = backend.spaceSignals.get();
        long[] b = postReceive(0, 1, 2048);
        assertEquals(before + 1, backend.spaceSignals.get(), "the notification reached the backend");
        assertTrue(net.receive(ByteBuffer.wrap(f), RxOffload.NONE));
        assertNotNull(driver.nextUsed(RX));
        assertArrayEquals(f, RAM.read(b[0] + NetHeader.SIZE, 200));
        postReceive(1, 1, 2048);
        assertEquals(before + 1, backend.spaceSignals.get(), "no signal while the backend was not refused");
    }

    @Test
    void mergeableBuffersTakeALargeSegmentInPieces() {
        boot(OFFLOADS);
        long[] buffers = postReceive(0, 8, 1536);
        byte[] f = tcpFrame(9000 - 54);
        RxOffload large = RxOffload.tcp4(34, Tcp.HEADER, 1448);
        assertTrue(net.receive(ByteBuffer.wrap(f), large));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int total = NetHeader.SIZE + f.length;
        int expectedBuffers = (total + 1535) / 1536;
        for (int i = 0; i < expectedBuffers; i++) {
            int[] used = driver.nextUsed(RX);
            assertEquals(i, used[0]);
            assertEquals(Math.min(1536, total - 1536 * i), used[1]);
            got.writeBytes(RAM.read(buffers[i], used[1]));
        }
        assertNull(driver.used(RX, 100), "the rest stay with the device");
        byte[] bytes = got.toByteArray();
        assertArrayEquals(header(NetHeader.F_NEEDS_CSUM, NetHeader.GSO_TCPV4, 54, 1448, 34, 16),
                Arrays.copyOf(Arrays.copyOf(bytes, 10), 12));
        assertEquals(expectedBuffers, bytes[NetHeader.NUM_BUFFERS] & 0xFF);
        assertArrayEquals(f, Arrays.copyOfRange(bytes, NetHeader.SIZE, bytes.length));
        // The next frame starts in the first buffer the large one left.
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 2)), RxOffload.NONE));
        assertEquals(expectedBuffers, driver.nextUsed(RX)[0]);
    }

    @Test
    void aPartialChecksumIsFinishedForAGuestWithoutGuestCsum() {
        boot(BASIC);
        long[] b = postReceive(0, 1, 2048);
        byte[] f = tcpFrame(333);
        assertFalse(tcpChecksumVerifies(f));
        assertTrue(net.receive(ByteBuffer.wrap(f), RxOffload.tcp4(34, Tcp.HEADER, 0)));
        int[] used = driver.nextUsed(RX);
        byte[] got = RAM.read(b[0] + NetHeader.SIZE, used[1] - NetHeader.SIZE);
        assertTrue(tcpChecksumVerifies(got), "the device completed the checksum");
        assertEquals(0, RAM.read8(b[0]) & NetHeader.F_NEEDS_CSUM);
    }

    @Test
    void aPartialChecksumPassesToAGuestWithGuestCsum() {
        boot(BASIC | VirtioNet.F_GUEST_CSUM);
        long[] b = postReceive(0, 1, 2048);
        byte[] f = tcpFrame(333);
        assertTrue(net.receive(ByteBuffer.wrap(f), RxOffload.tcp4(34, Tcp.HEADER, 0)));
        assertNotNull(driver.nextUsed(RX));
        assertArrayEquals(header(NetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16),
                Arrays.copyOf(RAM.read(b[0], 10), 12));
        assertArrayEquals(f, RAM.read(b[0] + NetHeader.SIZE, f.length));
    }

    @Test
    void framesTheGuestCannotTakeAreDroppedNotHeld() {
        boot(BASIC);
        postReceive(0, 1, 100);
        assertTrue(net.receive(ByteBuffer.wrap(tcpFrame(9000)), RxOffload.tcp4(34, Tcp.HEADER, 1448)), "large, not negotiated");
        assertTrue(net.receive(ByteBuffer.wrap(frame(1514, 1)), RxOffload.NONE), "bigger than the one buffer");
        assertEquals(2, net.counters().rxDropped());
        assertNull(driver.used(RX, 100));
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 1)), RxOffload.NONE), "a small frame still fits");
        assertEquals(NetHeader.SIZE + 60, driver.nextUsed(RX)[1]);
    }

    @Test
    void mergeableBuffersTooSmallAltogetherDropTheFrame() {
        boot(BASIC | VirtioNet.F_MRG_RXBUF);
        postReceive(0, 16, 8);
        assertTrue(net.receive(ByteBuffer.wrap(frame(1514, 1)), RxOffload.NONE));
        assertEquals(1, net.counters().rxDropped());
        assertTrue(net.receive(ByteBuffer.wrap(frame(100, 1)), RxOffload.NONE), "16 x 8 bytes hold 112");
        assertEquals(0, net.counters().rxFull());
    }

    @Test
    void aReceiveDescriptorOutsideRamFailsTheDeviceAndLaterFramesAreDropped() {
        boot(BASIC);
        driver.descriptor(RX, 0, -4096L, 2048, Virtqueue.F_WRITE, 0);
        driver.post(RX, 0);
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 1)), RxOffload.NONE));
        assertTrue(driver.awaitNeedsReset());
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 1)), RxOffload.NONE));
        assertEquals(2, net.counters().rxDropped());
        String text = logText.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        // A reset brings it back.
        assertTrue(driver.negotiate(BASIC));
        driver.queue(RX, 16);
        driver.queue(TX, 16);
        driver.driverOk();
        long[] b = postReceive(0, 1, 2048);
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 7)), RxOffload.NONE));
        assertNotNull(driver.nextUsed(RX));
        assertArrayEquals(frame(60, 7), RAM.read(b[0] + NetHeader.SIZE, 60));
        assertEquals(1, backend.starts, "the backend outlives resets");
    }

    @Test
    void aStoppedDeviceDropsFrames() {
        boot(BASIC);
        driver.reset();
        assertTrue(net.receive(ByteBuffer.wrap(frame(60, 1)), RxOffload.NONE));
        assertEquals(1, net.counters().rxDropped());
    }
}
