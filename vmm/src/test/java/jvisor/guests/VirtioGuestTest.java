package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import jvisor.testing.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The virtio guest (guests/virtio.c) drives virtio-blk like a driver, then breaks the virtqueue
 * rules one case at a time. On jvisor every broken chain, ring or index must end in
 * DEVICE_NEEDS_RESET with one log line and no exception, every well-formed but impossible request
 * in an error status, and the device must work again after each; the disk image must end up with
 * exactly the one sector the guest wrote.
 *
 * <p>QEMU 7.2 runs the same guest as a reference. Its valid part matches jvisor line for line; for
 * the hostile part it agrees on most cases and differs, by its own choices, on these:
 * <ul>
 * <li>the unoffered feature bit: QEMU masks the driver's features with the offered ones and keeps
 *     FEATURES_OK; jvisor refuses FEATURES_OK, as 2.2.2 asks of a device that cannot accept the
 *     driver's choice;
 * <li>{@code buffer-not-ram}, {@code buffer-past-ram-end}: QEMU maps addresses that are not RAM
 *     through its bounce buffer, so the read completes with status OK and its data goes nowhere;
 *     jvisor takes no buffer that is not wholly RAM;
 * <li>{@code indirect-with-next}: QEMU follows the table and ignores NEXT (forbidden to drivers,
 *     2.7.5.3.1); {@code indirect-not-negotiated}: QEMU does not check that the driver accepted
 *     INDIRECT_DESC; jvisor asks for a reset in both;
 * <li>{@code direct-then-indirect}, valid by 2.7.5.3.2: QEMU honours INDIRECT only on a chain's
 *     first descriptor, takes the table for a device-readable buffer, finds no status byte and
 *     fails the device ("virtio-blk missing headers"); jvisor serves it.
 * </ul>
 * Two more cases end the same way for a different reason: in {@code indirect-nested} QEMU reads
 * the inner table descriptor as a plain buffer (and then misses the status byte), and in
 * {@code queue-not-ram} it objects at the first request rather than at DRIVER_OK. The expected
 * output, guests/expected/virtio.txt, is therefore jvisor's (see guests/README.md).
 */
@Timeout(300)
class VirtioGuestTest {
    private static final Path EXPECTED = Path.of("../guests/expected/virtio.txt");
    private static final int SECTOR = 512;
    private static final int SECTORS = 2048;
    /** What guests/virtio.c writes, and where. */
    private static final int WRITE_SECTOR = 100;
    private static final String WRITTEN_TEXT = "written by the virtio guest\n";
    private static final String DISK_MARKER = "jvisor virtio-blk test disk\n";
    private static final String SERIAL = "jvisor-test";
    private static final int DEBUG_EXIT_0 = 1;
    private static final String DEVICE = "jvisor: virtio-blk0: ";
    private static final String NEEDS_RESET = "; the device needs a reset";

    /** jvisor's log line for each hostile step of the guest, in its order (RAM is 128 MiB). */
    private static final List<String> WARNINGS = List.of(
            "driver accepted features 0x1 that were not offered; FEATURES_OK refused",
            "queue 0: descriptor chain from 0 loops",                              // loop
            "queue 0: descriptor chain from 0 loops",                              // chain-longer-than-queue
            "queue 0: head descriptor 16 is beyond the table",
            "queue 0: descriptor 0 links to 16, beyond its table",
            "queue 0: available index jumped from 1 to 18 (size 16)",
            "queue 0: a device-readable buffer follows a writable one",
            "queue 0: buffer at 0x7fffffff0000 (+512) is not in RAM",
            "queue 0: buffer at 0x7ffff00 (+512) is not in RAM",                   // straddles 128 MiB
            "queue 0: indirect table at 0x7fffffff0000 (+48) is not in RAM",
            "queue 0: indirect table of 40 bytes",
            "queue 0: indirect table of 0 bytes",
            "queue 0: descriptor 1 is an indirect table where none may be",        // nested
            "queue 0: descriptor 0 is an indirect table where none may be",        // with NEXT
            "queue 0: descriptor 0 is an indirect table where none may be",        // not negotiated
            "queue 0: descriptor table at 0x7fffffff0000 (+256) is not in RAM",
            "request without a header or a status byte",                          // 8-byte header
            "request without a header or a status byte");                         // no status byte

    /** Where QEMU 7.2 may answer otherwise (see the class comment); every other line must match. */
    private static final Set<String> QEMU_MAY_DIFFER = Set.of("buffer-not-ram", "buffer-past-ram-end",
            "indirect-with-next", "indirect-not-negotiated", "direct-then-indirect");
    private static final String FEATURE_LINE = "accepting unoffered feature bit 0: FEATURES_OK ";

    @TempDir
    Path dir;

    static List<EngineChoice> engines() {
        return TestGuestsTest.engines().toList();
    }

    /** Sector 0 starts with the marker; sector n holds n (64-bit LE), then byte i = n + 7i. */
    static byte[] disk() {
        byte[] image = new byte[SECTORS * SECTOR];
        byte[] marker = DISK_MARKER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(marker, 0, image, 0, marker.length);
        for (int n = 1; n < SECTORS; n++) {
            for (int i = 0; i < SECTOR; i++) {
                image[n * SECTOR + i] = (byte) (i < 8 ? (long) n >>> 8 * i : n + 7 * i);
            }
        }
        return image;
    }

    /** The disk after the guest: sector WRITE_SECTOR holds its text, then byte i = 0xa5 ^ i. */
    static byte[] diskAfterGuest() {
        byte[] image = disk();
        for (int i = 0; i < SECTOR; i++) {
            image[WRITE_SECTOR * SECTOR + i] = (byte) (0xA5 ^ i);
        }
        byte[] text = WRITTEN_TEXT.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, image, WRITE_SECTOR * SECTOR, text.length);
        return image;
    }

    private Path freshImage(String name) throws IOException {
        return Files.write(dir.resolve(name), disk());
    }

    private static String expected() throws IOException {
        return Files.readString(EXPECTED, StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void hostileQueuesNeedAResetAndTheDeviceRecovers(EngineChoice engine) throws IOException {
        Path image = freshImage("jvisor.img");
        DriveOption drive = new DriveOption(image, DriveOption.Format.RAW, null, false, SERIAL);
        BootConfig config = BootConfig.of(new GuestImage.Builtin("virtio")).withEngine(engine)
                .withDevices(DeviceOptions.NONE.withDrives(List.of(drive)));

        GuestRun run = GuestRun.boot(config);

        assertEquals(expected(), run.serial(), run::toString);
        assertEquals(DEBUG_EXIT_0, run.status(), run::toString);
        List<String> warnings = run.log().lines().filter(l -> l.startsWith(DEVICE))
                .map(l -> l.substring(DEVICE.length())).toList();
        assertEquals(WARNINGS.size(), warnings.size(), run::toString);
        for (int i = 0; i < WARNINGS.size(); i++) {
            assertTrue(warnings.get(i).startsWith(WARNINGS.get(i)), "warning " + i + ": " + warnings.get(i));
            assertEquals(i > 0, warnings.get(i).endsWith(NEEDS_RESET), "warning " + i + ": " + warnings.get(i));
        }
        for (String bad : List.of("Exception", "\tat ", "panic", "Error")) {
            assertFalse(run.log().contains(bad), () -> "log contains " + bad + ":\n" + run.log());
        }
        assertArrayEquals(diskAfterGuest(), Files.readAllBytes(image), "the image holds only the guest's write");
    }

    @Test
    void qemuAgreesOnTheValidPartAndWhereTheSpecLeavesNoChoice() throws Exception {
        assumeTrue(Qemu.installed(), "qemu-system-x86_64 is not installed: nothing to compare with");
        Path image = freshImage("qemu.img");
        GuestRun qemu = Qemu.run(Qemu.builtinImage("virtio"), 1, "128", null, List.of("-nic", "none",
                "-device", "virtio-blk-pci,drive=d0,disable-legacy=on,serial=" + SERIAL + ",addr=3",
                "-drive", "if=none,id=d0,format=raw,file=" + image), 120);

        assertEquals(DEBUG_EXIT_0, qemu.status(), qemu::toString);
        List<String> ours = expected().lines().toList();
        List<String> theirs = qemu.serial().lines().toList();
        assertEquals(ours.size(), theirs.size(), qemu::toString);
        for (int i = 0; i < ours.size(); i++) {
            String a = ours.get(i);
            String b = theirs.get(i);
            boolean allowed = a.equals(b)
                    || a.startsWith(FEATURE_LINE) && b.startsWith(FEATURE_LINE)
                    || caseName(a) != null && caseName(a).equals(caseName(b)) && QEMU_MAY_DIFFER.contains(caseName(a));
            assertTrue(allowed, () -> "jvisor '" + a + "', QEMU '" + b + "'\n" + qemu);
        }
        assertArrayEquals(diskAfterGuest(), Files.readAllBytes(image), "QEMU's image holds only the guest's write");
    }

    /** "loop" for "case loop: needs reset, recovered"; null for other lines. */
    private static String caseName(String line) {
        if (!line.startsWith("case ") || line.indexOf(':') < 0) {
            return null;
        }
        return line.substring(5, line.indexOf(':'));
    }
}
