package jvisor.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import jvisor.boot.EngineChoice;
import jvisor.kit.BootDisk;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.KitException;
import jvisor.kit.Progress;
import jvisor.kit.TestKits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole firmware path on emu: a disk built like {@code guest fetch --disk} (GRUB from Debian's
 * grub-pc-bin in the MBR and its gap, the kit's ext4 root), SeaBIOS runs GRUB from it, GRUB loads
 * Debian's kernel and initrd from ext4, and Linux reaches /init and the root file system's init.
 */
@Tag("slow")
@Timeout(600)
class GrubBootTest {
    @Test
    void grubBootsDebianToInit(@TempDir Path dir) {
        GuestKit.Kit kit = TestKits.kit();
        assumeTrue(kit.rootImage().isPresent(), "the kit has no root image (mke2fs was missing when it was built)");
        Path grub;
        try {
            grub = BootDisk.grub(Progress.printing(System.out, false));
        } catch (KitException e) {
            assumeTrue(false, "GRUB cannot be fetched here: " + e.getMessage());
            return;
        }
        Path disk = dir.resolve("disk.img");
        String extra = System.getProperty("jvisor.test.grubCmdline", InitScript.TEST_OPTION);
        BootDisk.build(kit, grub, BootDisk.cmdline(extra, false), disk, Progress.printing(System.out, false));
        SeaBiosBootTest.FirmwareRun run = SeaBiosBootTest.boot(disk, EngineChoice.EMU, 512L << 20, false);
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.serial().contains("GNU GRUB"), run::toString);
        assertTrue(run.serial().contains(InitScript.MARKER), run::toString);
        assertTrue(run.serial().contains(InitScript.ROOT_MARKER), run::toString);
        assertTrue(run.serial().contains(InitScript.POWEROFF), run::toString);
    }

    /**
     * GRUB's "shell on the screen" entry: the last console is tty0, so /init writes through the
     * kernel's vgacon into the VGA's text memory; the screen shows it, as --display curses would.
     */
    @Test
    void theKernelsConsoleOnTheScreenShowsInit(@TempDir Path dir) {
        GuestKit.Kit kit = TestKits.kit();
        assumeTrue(kit.rootImage().isPresent(), "the kit has no root image (mke2fs was missing when it was built)");
        Path grub;
        try {
            grub = BootDisk.grub(Progress.printing(System.out, false));
        } catch (KitException e) {
            assumeTrue(false, "GRUB cannot be fetched here: " + e.getMessage());
            return;
        }
        Path disk = dir.resolve("disk.img");
        BootDisk.build(kit, grub, BootDisk.cmdline(InitScript.TEST_OPTION, true), disk, Progress.printing(System.out, false));
        SeaBiosBootTest.FirmwareRun run = SeaBiosBootTest.boot(disk, EngineChoice.EMU, 512L << 20, false);
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.screen().textMode(), run::toString);
        assertTrue(run.screen().contents().contains(InitScript.ROOT_MARKER), run::toString);
        assertTrue(run.screen().contents().contains(InitScript.POWEROFF), run::toString);
    }
}
