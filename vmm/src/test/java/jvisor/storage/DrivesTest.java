package jvisor.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.storage.luks.LuksFormat;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk images that cannot be used end the run before the guest starts, with one line and status 2. */
class DrivesTest {
    @TempDir
    Path dir;

    private GuestRun boot(DriveOption drive) {
        return GuestRun.boot(BootConfig.of(new GuestImage.Builtin("hello")).withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(drive), false, null)));
    }

    private static DriveOption raw(Path p) {
        return new DriveOption(p, DriveOption.Format.RAW, null, false, null);
    }

    private static void assertRefused(GuestRun run, String part) {
        assertEquals(BadInputException.EXIT_STATUS, run.status(), run::toString);
        assertTrue(run.log().contains(part), run::toString);
        assertFalse(run.log().contains("Exception"), run::toString);
        assertFalse(run.log().contains("\tat "), run::toString);
        assertEquals("", run.serial(), "the guest never ran");
    }

    @Test
    void aMissingImageIsRefused() {
        assertRefused(boot(raw(dir.resolve("nothing.img"))), "does not exist");
    }

    @Test
    void aDirectoryIsRefused() {
        assertRefused(boot(raw(dir)), "is a directory");
    }

    @Test
    void anImageSmallerThanASectorIsRefused() throws IOException {
        Path tiny = Files.write(dir.resolve("tiny.img"), new byte[100]);
        assertRefused(boot(raw(tiny)), "needs at least 512");
    }

    @Test
    void anUnreadableImageIsRefused() throws IOException {
        Path locked = Files.write(dir.resolve("locked.img"), new byte[4096]);
        try (RawImage first = RawImage.open(locked, false)) {
            assertRefused(boot(raw(locked)), "in use by another process");
        }
    }

    @Test
    void aUsableImageBootsTheGuest() throws IOException {
        Path disk = Files.write(dir.resolve("ok.img"), new byte[4096]);
        GuestRun run = boot(raw(disk));
        assertTrue(run.serial().contains("Hello"), run::toString);
    }

    @Test
    void aLuksImageWithTheWrongKeyIsRefusedAndLeftUntouched() throws IOException {
        Path image = dir.resolve("secret.img");
        LuksFormat.create(image, 1 << 20, "right".getBytes(), LuksImageTest.FAST);
        byte[] before = Files.readAllBytes(image);
        Path key = Files.writeString(dir.resolve("key"), "wrong");
        assertRefused(boot(new DriveOption(image, DriveOption.Format.LUKS, key, false, null)), "wrong passphrase");
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    @Test
    void aMissingKeyFileIsRefused() throws IOException {
        Path image = dir.resolve("secret.img");
        LuksFormat.create(image, 1 << 20, "right".getBytes(), LuksImageTest.FAST);
        assertRefused(boot(new DriveOption(image, DriveOption.Format.LUKS, dir.resolve("nokey"), false, null)), "key file");
    }

    @Test
    void aRawFileIsNotALuksVolume() throws IOException {
        Path disk = Files.write(dir.resolve("plain.img"), new byte[1 << 20]);
        Path key = Files.writeString(dir.resolve("key"), "k");
        assertRefused(boot(new DriveOption(disk, DriveOption.Format.LUKS, key, false, null)), "plain.img");
    }
}
