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
 * Debian's kernel on emu with 2 processors runs its local APICs in x2APIC mode: CPUID offers
 * x2APIC, Linux switches to it (a KVM signature tells it that x2APIC without interrupt remapping
 * is safe here), and the second processor, timers and IPIs keep working through the MSRs.
 */
@Timeout(600)
class LinuxX2apicTest {
    @TempDir
    Path dir;

    @Test
    void linuxRunsItsApicsInX2apicMode() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path script = Disks.script(dir, "script.img", """
                echo "x2apic-flag $(grep -c -w x2apic /proc/cpuinfo)"
                echo "online $(cat /sys/devices/system/cpu/online)"
                """);
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline("console=ttyS0 cryptomgr.notests jvisor.script=/dev/vda " + InitScript.TEST_OPTION)
                .withCpus(2)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(new DriveOption(script, DriveOption.Format.RAW, null, true,
                        null)), false, null));
        GuestRun run = GuestRun.boot(config);
        String serial = run.serial();
        assertTrue(serial.contains("x2apic-flag 2"), run::toString);
        assertTrue(serial.contains("online 0-1"), run::toString);
        assertTrue(serial.contains("Switched APIC routing to physical x2apic")
                || serial.contains("Switched APIC routing to cluster x2apic"), run::toString);
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertEquals(0, run.status(), run::toString);
    }
}
