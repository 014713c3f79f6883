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
 * Debian's kernel on emu takes the XSAVE and protection keys CPUID offers: it enables x87, SSE
 * and PKRU in XCR0, switches tasks with XSAVE/XRSTOR, sets CR4.PKE and runs user space under
 * its default PKRU (every key but 0 access-disabled), with two processors migrating tasks.
 */
@Timeout(600)
class LinuxProtectionKeysTest {
    @TempDir
    Path dir;

    @Test
    void linuxUsesXsaveAndProtectionKeys() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path script = Disks.script(dir, "script.img", """
                for f in xsave xsaveopt pku ospke; do echo "flag-$f $(grep -c -w $f /proc/cpuinfo)"; done
                echo "copied $(cat /proc/version | wc -c)"
                """);
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline("console=ttyS0 cryptomgr.notests jvisor.script=/dev/vda " + InitScript.TEST_OPTION)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withCpus(2)
                .withDevices(new DeviceOptions(List.of(new DriveOption(script, DriveOption.Format.RAW, null, true,
                        null)), false, null));
        GuestRun run = GuestRun.boot(config);
        String serial = run.serial();
        assertTrue(serial.contains("x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys User registers'"),
                run::toString);
        assertTrue(serial.contains("x86/fpu: Enabled xstate features 0x203, context size is 2696 bytes, using 'standard'"
                + " format."), run::toString);
        for (String flag : List.of("xsave", "xsaveopt", "pku", "ospke")) {
            assertTrue(serial.contains("flag-" + flag + " 2"), () -> flag + " on both processors\n" + run);
        }
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertEquals(0, run.status(), run::toString);
    }
}
