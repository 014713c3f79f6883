package jvisor.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.DeviceOptions;
import jvisor.boot.Display;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.core.Vmm;
import jvisor.core.VmmMain;
import jvisor.devices.FirmwareDebugPort;
import jvisor.devices.vga.TextScreen;
import jvisor.devices.vga.Vga;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SeaBIOS on the emu engine boots a boot sector from a virtio-blk disk; what it prints shows on serial and on the VGA. */
class SeaBiosBootTest {
    static final String MESSAGE = "Hello from the boot sector";

    /** What one firmware boot left: exit status, serial output, the VMM's log, the screen, the firmware's log. */
    record FirmwareRun(int status, String serial, String log, TextScreen screen, String firmwareLog) {
        @Override
        public String toString() {
            return "status " + status + "\n--- serial ---\n" + serial + "\n--- log ---\n" + log
                    + "\n--- screen ---\n" + screen.contents() + "\n--- firmware log ---\n" + firmwareLog;
        }
    }

    static FirmwareRun boot(Path disk, EngineChoice engine) {
        return boot(disk, engine, 128L << 20, true);
    }

    static FirmwareRun boot(Path disk, EngineChoice engine, long memory, boolean readOnly) {
        BootConfig config = new BootConfig(new GuestImage.Firmware(null), "", null, List.of(), 1, memory,
                engine, false, false).withDevices(new DeviceOptions(
                        List.of(DriveOption.parse("file=" + disk + (readOnly ? ",readonly=on" : ""))), false, null, Display.NONE));
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AtomicReference<Vmm> vmm = new AtomicReference<>();
        int status = VmmMain.run(config, new Console(null, new PrintStream(serial, true, StandardCharsets.ISO_8859_1),
                new PrintStream(log, true, StandardCharsets.UTF_8)), vmm::set);
        TextScreen screen = vmm.get().vm().device(Vga.class).map(Vga::textScreen).orElse(TextScreen.BLANK);
        String firmwareLog = vmm.get().vm().device(FirmwareDebugPort.class).map(FirmwareDebugPort::recent).orElse("");
        return new FirmwareRun(status, serial.toString(StandardCharsets.ISO_8859_1), log.toString(StandardCharsets.UTF_8),
                screen, firmwareLog);
    }

    @Test
    void bootSectorPrintsOnSerialAndScreen(@TempDir Path dir) throws Exception {
        Path disk = BootSectors.disk(dir, BootSectors.printing(MESSAGE));
        FirmwareRun run = boot(disk, EngineChoice.EMU);
        assertEquals(BootSectors.EXIT_STATUS, run.status(), run::toString);
        assertTrue(run.serial().contains("SeaBIOS (version"), run::toString);
        assertTrue(run.serial().contains(MESSAGE), run::toString);
        TextScreen screen = run.screen();
        assertTrue(screen.textMode(), run::toString);
        assertEquals(80, screen.columns(), run::toString);
        assertEquals(25, screen.rows(), run::toString);
        assertTrue(screen.contents().contains("SeaBIOS (version"), run::toString);
        assertTrue(screen.contents().contains("Booting from Hard Disk..."), run::toString);
        int row = screen.contents().lines().toList().indexOf(MESSAGE);
        assertTrue(row > 0, run::toString);
        // The teletype output's line feed left the cursor at the start of the next row.
        assertEquals(row + 1, screen.cursorRow(), run::toString);
        assertEquals(0, screen.cursorColumn(), run::toString);
        assertTrue(screen.cursorVisible(), run::toString);
        // Light grey on black, the BIOS's default attribute for text it prints.
        assertEquals(0x07, screen.attribute(row, 0), run::toString);
        assertTrue(run.firmwareLog().contains("virtio-blk"), run::toString);
    }
}
