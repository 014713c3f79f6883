package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import jvisor.testing.Disks;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel on emu turns on the SMEP, SMAP and UMIP that CPUID offers, and its user space
 * still runs: every system call that copies to or from user memory goes through STAC/CLAC.
 */
@Timeout(600)
class LinuxSupervisorProtectionTest {
    @TempDir
    Path dir;

    @Test
    void linuxRunsWithSmepSmapAndUmipOn() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path script = Disks.script(dir, "script.img", """
                for f in smep smap umip; do echo "flag-$f $(grep -c -w $f /proc/cpuinfo)"; done
                echo "copied $(cat /proc/version | wc -c)"
                """);
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline("console=ttyS0 cryptomgr.notests jvisor.script=/dev/vda " + InitScript.TEST_OPTION)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(new DriveOption(script, DriveOption.Format.RAW, null, true,
                        null)), false, null));
        GuestRun run = GuestRun.boot(config);
        String serial = run.serial();
        assertTrue(serial.contains("flag-smep 1"), run::toString);
        assertTrue(serial.contains("flag-smap 1"), run::toString);
        assertTrue(serial.contains("flag-umip 1"), run::toString);
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertEquals(0, run.status(), run::toString);
    }
}
