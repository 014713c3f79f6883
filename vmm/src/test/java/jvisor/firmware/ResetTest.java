package jvisor.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import jvisor.boot.EngineChoice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reset during a firmware boot restarts the machine from the reset vector: SeaBIOS runs again
 * and boots the disk a second time. The boot sector counts its boots on the disk (which keeps
 * what was written, as a real disk does across a reset) and ends the run on the second.
 */
class ResetTest {
    @ParameterizedTest
    @ValueSource(strings = {"cf9", "i8042", "triple fault"})
    void aResetBootsTheFirmwareAgain(String how, @TempDir Path dir) throws Exception {
        byte[] reset = switch (how) {
            case "cf9" -> BootSectors.RESET_CF9;
            case "i8042" -> BootSectors.RESET_I8042;
            default -> BootSectors.TRIPLE_FAULT;
        };
        Path disk = BootSectors.disk(dir, BootSectors.resetting(reset));
        SeaBiosBootTest.FirmwareRun run = SeaBiosBootTest.boot(disk, EngineChoice.EMU, 128L << 20, false);
        assertEquals(BootSectors.EXIT_STATUS, run.status(), run::toString);
        String serial = run.serial();
        int first = serial.indexOf(BootSectors.BOOT_LINE + "1");
        int second = serial.indexOf(BootSectors.BOOT_LINE + "2");
        assertTrue(first >= 0 && second > first, run::toString);
        // The firmware ran again between the two boots.
        int banner = serial.indexOf("SeaBIOS (version", first);
        assertTrue(banner > first && banner < second, run::toString);
        // The screen is the restarted machine's: only the second boot is on it.
        assertTrue(run.screen().contents().contains(BootSectors.BOOT_LINE + "2"), run::toString);
        assertFalse(run.screen().contents().contains(BootSectors.BOOT_LINE + "1"), run::toString);
    }
}
