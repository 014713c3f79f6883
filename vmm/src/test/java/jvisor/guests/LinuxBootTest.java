package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BootConfig;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.TestKits;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jvisor's main job: Debian's stock kernel with the kit's busybox initramfs boots on the emu
 * engine to /init, which reports the processor count and the uptime and powers off through ACPI.
 * About half a minute per boot; the kit is fetched once (apt-get download) or the test is
 * skipped with the reason.
 */
@Timeout(600)
class LinuxBootTest {
    private static final Pattern UPTIME = Pattern.compile("jvisor-linux: uptime (\\d+\\.\\d+)");

    @ParameterizedTest(name = "{0} processor(s)")
    @ValueSource(ints = {1, 2})
    void debianBootsToInitAndPowersOff(int cpus) {
        GuestKit.Kit kit = TestKits.kit();
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE + " jvisor.test=1")
                .withCpus(cpus)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU);

        GuestRun run = GuestRun.boot(config);

        String serial = run.serial();
        assertTrue(serial.contains("jvisor-linux: init started"), run::toString);
        assertTrue(serial.contains("jvisor-linux: cpus " + cpus + "\r\n"), run::toString);
        Matcher uptime = UPTIME.matcher(serial);
        assertTrue(uptime.find(), run::toString);
        assertTrue(Double.parseDouble(uptime.group(1)) > 0, run::toString);
        assertTrue(serial.contains("jvisor-linux: test done, powering off"), run::toString);
        assertFalse(serial.contains("Kernel panic"), run::toString);
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.log().contains("guest powered off (ACPI S5)"), run::toString);
    }
}
