package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.guest.linux.QemuRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reference run: the kit boots in QEMU TCG (SeaBIOS, QEMU's own bzImage loader) to /init's
 * marker lines and powers off. Prints how long QEMU took to the marker and to power-off, the
 * figures jvisor's emu engine is compared with.
 */
@Tag("slow")
class KitQemuBootTest {
    @Test
    void theKitBootsToInitUnderQemuTcgAndPowersOff() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        QemuRun.assumeQemu();
        String cmdline = GuestKit.CMDLINE + " " + InitScript.TEST_OPTION;
        QemuRun.Result r = QemuRun.run(List.of(QemuRun.QEMU, "-accel", "tcg", "-m", "512", "-smp", "2",
                "-kernel", kit.vmlinuz().toString(), "-initrd", kit.initrd().toString(), "-append", cmdline,
                "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"),
                l -> l.contains("reboot: Power down") || l.contains("Kernel panic"), 300);
        System.out.println(r.transcript());
        assertNotNull(r.first(InitScript.MARKER), "no marker:\n" + r.transcript());
        assertEquals(InitScript.CPUS_PREFIX + "2", r.first(InitScript.CPUS_PREFIX).text());
        String uptime = r.first(InitScript.UPTIME_PREFIX).text().substring(InitScript.UPTIME_PREFIX.length());
        assertTrue(Double.parseDouble(uptime) > 0, uptime);
        assertTrue(r.first(InitScript.MODULES_PREFIX).text().contains("virtio_blk"), r.transcript());
        assertNotNull(r.first(InitScript.POWEROFF), r.transcript());
        assertTrue(r.finished() && r.lines().getLast().text().contains("reboot: Power down"), r.transcript());
        System.out.printf("QEMU TCG, Linux %s, \"%s\": marker after %.2f s, power-off after %.2f s%n",
                kit.kernelVersion(), cmdline, r.first(InitScript.MARKER).seconds(), r.lines().getLast().seconds());
    }
}
