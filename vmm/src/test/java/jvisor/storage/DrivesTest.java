package jvisor.storage;

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
}
