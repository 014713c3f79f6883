package jvisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import jvisor.engine.GuestMemory;
import jvisor.storage.RawImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk requests end to end: the transport, a worker thread, a raw image file. */
class VirtioBlkTest {
    private static final GuestMemory RAM = TestDriver.ram();
    static final int SECTORS = 64;

    @TempDir
    Path dir;
    private RawImage image;
    private TestDriver driver;

    private void boot(boolean readOnly) throws IOException {
        Path file = dir.resolve("disk.img");
        byte[] content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i / 512 + i % 7);
        }
        Files.write(file, content);
        image = RawImage.open(file, readOnly);
        driver = new TestDriver(RAM, new VirtioBlk("blk", image, 2, "serial-1", jvisor.devices.DeviceLog.discard("blk")));
        long f = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioBlk.F_FLUSH | VirtioBlk.F_MQ;
        driver.negotiate(f);
        driver.queue(0, 16);
        driver.queue(1, 16);
        driver.driverOk();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.reset();
            image.close();
        }
    }

    /** Posts header + data + status on queue {@code q}; returns {status, used length}. */
    private int[] request(int q, int type, long sector, long data, int length, boolean deviceWrites) {
        long header = driver.buffer(16);
        RAM.write32(header, type);
        RAM.write64(header + 8, sector);
        long status = driver.buffer(1);
        RAM.write8(status, 0xFF);
        int n = 0;
        driver.descriptor(q, 0, header, 16, Virtqueue.F_NEXT, 1);
        if (length > 0) {
            driver.descriptor(q, 1, data, length, Virtqueue.F_NEXT | (deviceWrites ? Virtqueue.F_WRITE : 0), 2);
            n = 2;
        } else {
            n = 1;
        }
        driver.descriptor(q, n, status, 1, Virtqueue.F_WRITE, 0);
        driver.post(q, 0);
        int[] used = driver.nextUsed(q);
        assertNotNull(used, "request completed");
        return new int[] {RAM.read8(status), used[1]};
    }

    @Test
    void configurationSpaceGivesCapacityQueuesAndSegments() throws IOException {
        boot(false);
        assertEquals(SECTORS, driver.read(VirtioPci.DEVICE, 8));
        assertEquals(VirtioBlk.SEG_MAX, driver.read(VirtioPci.DEVICE + 0x0C, 4));
        assertEquals(512, driver.read(VirtioPci.DEVICE + 0x14, 4));
        assertEquals(2, driver.read(VirtioPci.DEVICE + 0x22, 2));
    }

    @Test
    void readsReturnTheImageAndWritesReachIt() throws IOException {
        boot(false);
        long buf = driver.buffer(1024);
        int[] r = request(0, VirtioBlk.T_IN, 3, buf, 1024, true);
        assertEquals(VirtioBlk.S_OK, r[0]);
        assertEquals(1025, r[1], "data and status");
        byte[] expected = Arrays.copyOfRange(Files.readAllBytes(dir.resolve("disk.img")), 3 * 512, 5 * 512);
        assertArrayEquals(expected, RAM.read(buf, 1024));
        byte[] pattern = new byte[512];
        Arrays.fill(pattern, (byte) 0x5A);
        RAM.write(buf, pattern);
        assertEquals(VirtioBlk.S_OK, request(1, VirtioBlk.T_OUT, 10, buf, 512, false)[0]);
        assertEquals(VirtioBlk.S_OK, request(1, VirtioBlk.T_FLUSH, 0, 0, 0, false)[0]);
        assertArrayEquals(pattern, Arrays.copyOfRange(Files.readAllBytes(dir.resolve("disk.img")), 10 * 512, 11 * 512));
    }

    @Test
    void getIdReturnsTheSerial() throws IOException {
        boot(false);
        long buf = driver.buffer(20);
        int[] r = request(0, VirtioBlk.T_GET_ID, 0, buf, 20, true);
        assertEquals(VirtioBlk.S_OK, r[0]);
        assertEquals("serial-1", new String(RAM.read(buf, 8), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void wrongRequestsCompleteWithAnErrorAndTheDeviceGoesOn() throws IOException {
        boot(false);
        long buf = driver.buffer(1024);
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_IN, SECTORS - 1, buf, 1024, true)[0], "past the end");
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_IN, 0, buf, 100, true)[0], "not whole sectors");
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_IN, -1L >>> 1, buf, 512, true)[0], "huge sector");
        assertEquals(VirtioBlk.S_UNSUPP, request(0, 99, 0, buf, 512, true)[0]);
        assertEquals(VirtioBlk.S_OK, request(0, VirtioBlk.T_IN, 0, buf, 512, true)[0]);
        assertEquals(0, driver.status() & VirtioFeatures.STATUS_NEEDS_RESET);
    }

    @Test
    void writeZeroesAndDiscardClearRanges() throws IOException {
        boot(false);
        long seg = driver.buffer(16);
        RAM.write64(seg, 4);
        RAM.write32(seg + 8, 2);
        RAM.write32(seg + 12, 0);
        assertEquals(VirtioBlk.S_OK, request(0, VirtioBlk.T_WRITE_ZEROES, 0, seg, 16, false)[0]);
        byte[] disk = Files.readAllBytes(dir.resolve("disk.img"));
        assertArrayEquals(new byte[1024], Arrays.copyOfRange(disk, 4 * 512, 6 * 512));
        assertEquals((byte) (6 + 6 * 512 % 7), disk[6 * 512], "the next sector is untouched");
        RAM.write64(seg, 20);
        RAM.write32(seg + 8, 8);
        RAM.write32(seg + 12, 1);
        assertEquals(VirtioBlk.S_OK, request(0, VirtioBlk.T_DISCARD, 0, seg, 16, false)[0]);
        RAM.write32(seg + 12, 2);
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_DISCARD, 0, seg, 16, false)[0], "unknown flag");
    }

    @Test
    void aReadOnlyDiskRefusesWritesAndStaysUnchanged() throws IOException {
        boot(true);
        byte[] before = Files.readAllBytes(dir.resolve("disk.img"));
        assertEquals(VirtioBlk.F_RO, driver.deviceFeatures() & VirtioBlk.F_RO);
        long buf = driver.buffer(512);
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_OUT, 0, buf, 512, false)[0]);
        long seg = driver.buffer(16);
        RAM.write32(seg + 8, 1);
        assertEquals(VirtioBlk.S_IOERR, request(0, VirtioBlk.T_WRITE_ZEROES, 0, seg, 16, false)[0]);
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("disk.img")));
    }

    @Test
    void aSecondJvisorCannotOpenTheSameImage() throws IOException {
        boot(false);
        jvisor.boot.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                jvisor.boot.BadInputException.class, () -> RawImage.open(dir.resolve("disk.img"), false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
}
