package jvisor.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import jvisor.boot.EngineChoice;
import jvisor.kit.BootDisk;
import jvisor.kit.KitException;
import jvisor.kit.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GRUB path without a kernel, cheap enough for the default suite: SeaBIOS runs GRUB's boot.img
 * and core.img from a tiny disk built here with Debian's GRUB, GRUB's normal mode reads grub.cfg
 * from the ext4 partition, echoes a line and powers the machine off through ACPI.
 */
@Timeout(300)
class GrubHaltTest {
    static final String MARKER = "jvisor-grub: grub.cfg read";

    @Test
    void grubReadsItsConfigEchoesAndHalts(@TempDir Path dir) {
        Path grub;
        try {
            grub = BootDisk.grub(Progress.printing(System.out, false));
        } catch (KitException e) {
            assumeTrue(false, "GRUB cannot be fetched here: " + e.getMessage());
            return;
        }
        Path disk = dir.resolve("grub.img");
        // The pause lets SeaBIOS's serial mirror flush the line before the power goes off.
        BootDisk.buildLoaderOnly(grub, """
                echo '%s'
                sleep --interruptible 1
                halt
                """.formatted(MARKER), disk);
        SeaBiosBootTest.FirmwareRun run = SeaBiosBootTest.boot(disk, EngineChoice.EMU);
        // GRUB's halt found the firmware's ACPI tables and wrote S5 to PM1a_CNT: a clean power-off.
        assertEquals(0, run.status(), run::toString);
        // SeaBIOS's serial mirror cuts text up with cursor moves (sometimes after a carriage
        // return) wherever a timer tick flushed it.
        String serial = run.serial().replaceAll("\r?\u001B\\[[0-9;?]*[A-Za-z]", "");
        assertTrue(serial.contains("GRUB loading..."), run::toString);
        assertTrue(serial.contains("Welcome to GRUB!"), run::toString);
        assertTrue(serial.contains(MARKER), run::toString);
        assertTrue(run.screen().textMode(), run::toString);
        assertTrue(run.screen().contents().contains("Welcome to GRUB!"), run::toString);
        assertTrue(run.screen().contents().lines().anyMatch(l -> l.strip().equals(MARKER)), run::toString);
    }
}
