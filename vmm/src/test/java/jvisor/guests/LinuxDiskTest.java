package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian's kernel with its root file system on virtio-blk, on the emu engine: the kit's ext4 root
 * image (a copy) is /dev/vda, a script disk says what the guest does, and what the guest wrote is
 * read back on the host with debugfs.
 */
@Timeout(600)
class LinuxDiskTest {
    @TempDir
    Path dir;

    private static Path kitImage(GuestKit.Kit kit) {
        assumeTrue(kit.rootImage().isPresent(), "the kit has no root image (mke2fs was missing when it was built)");
        return kit.rootImage().get();
    }

    private static BootConfig linux(GuestKit.Kit kit, String cmdline, int cpus, DriveOption... drives) {
        return BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE + " " + cmdline + " " + InitScript.TEST_OPTION)
                .withCpus(cpus)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(drives), false, null));
    }

    private static DriveOption raw(Path file, boolean readOnly) {
        return new DriveOption(file, DriveOption.Format.RAW, null, readOnly, null);
    }

    @ParameterizedTest(name = "{0} processor(s)")
    @ValueSource(ints = {1, 2})
    void theRootFileSystemOnVirtioBlkKeepsWhatTheGuestWrites(int cpus) throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path root = dir.resolve("root.img");
        Files.copy(kitImage(kit), root);
        Path script = Disks.script(dir, "script.img", """
                echo "written by the guest on $(nproc) processors" > /root/note.txt
                dd if=/dev/urandom of=/root/random.bin bs=4096 count=64 2>/dev/null
                sha256sum /root/random.bin | cut -d' ' -f1 > /root/random.sha
                sync
                echo "guest sha $(cat /root/random.sha)"
                grep -c virtio /proc/interrupts
                """);
        GuestRun run = GuestRun.boot(linux(kit, "root=/dev/vda rw jvisor.script=/dev/vdb", cpus,
                raw(root, false), raw(script, true)));

        String serial = run.serial();
        assertTrue(serial.contains(InitScript.ROOT_MARKER), run::toString);
        assertTrue(serial.contains("jvisor-linux: root is /dev/vda ext4 rw"), run::toString);
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertFalse(serial.contains("I/O error"), run::toString);
        assertEquals(0, run.status(), run::toString);
        assertEquals("written by the guest on " + cpus + " processors\n", Disks.readFile(root, "/root/note.txt"));
        String guestSha = Disks.readFile(root, "/root/random.sha").trim();
        assertTrue(serial.contains("guest sha " + guestSha), run::toString);
        Path random = Disks.dump(root, "/root/random.bin", dir.resolve("random.bin"));
        assertEquals(64 * 4096, Files.size(random));
        assertEquals(guestSha, Disks.sha256(random), "the host reads the bytes the guest hashed");
    }

    /**
     * What {@code sync} made durable survives jvisor being killed: jvisor runs in its own process,
     * the guest syncs and says so, the process gets SIGKILL, and the image (after the journal replay
     * a reboot would do) has the file.
     */
    @Test
    void afterSyncAKilledJvisorLosesNothing() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path root = dir.resolve("root.img");
        Files.copy(kitImage(kit), root);
        Path script = Disks.script(dir, "script.img", """
                seq 1 20000 > /root/numbers.txt
                sync
                echo "jvisor-test: synced"
                sleep 600
                """);
        Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBinary.toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xss4m", "-cp", System.getProperty("java.class.path"),
                "jvisor.Main", "run", "--engine", "emu", "--memory", "512M",
                "--kernel", kit.vmlinuz().toString(), "--initrd", kit.initrd().toString(),
                "--drive", "file=" + root, "--drive", "file=" + script + ",readonly=on",
                "--cmdline", GuestKit.CMDLINE + " root=/dev/vda rw jvisor.script=/dev/vdb")
                .redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (var reader = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.ISO_8859_1))) {
            for (String line; (line = reader.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.contains("jvisor-test: synced")) {
                    break;
                }
            }
            p.destroyForcibly();                        // SIGKILL: no shutdown hook, no flush, nothing
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
        assertTrue(out.toString().contains("jvisor-test: synced"), out::toString);
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        Process fsck = new ProcessBuilder(Disks.debugfs().resolveSibling("e2fsck").toString(), "-fy", root.toString())
                .redirectErrorStream(true).start();
        String report = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fsck.waitFor(120, TimeUnit.SECONDS));
        assertTrue(fsck.exitValue() <= 1, "e2fsck replays the journal at most: " + report);
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 20000; i++) {
            expected.append(i).append('\n');
        }
        assertEquals(expected.toString(), Disks.readFile(root, "/root/numbers.txt"));
    }

    @Test
    void aReadOnlyDiskFailsTheGuestsWritesAndStaysUnchanged() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path data = dir.resolve("data.img");
        Files.copy(kit.dataImage().orElseGet(() -> kitImage(kit)), data);
        String before = Disks.sha256(data);
        Path script = Disks.script(dir, "script.img", """
                if dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=fsync 2>/tmp/err; then echo "write accepted"; else echo "write refused: $(head -1 /tmp/err)"; fi
                mkdir -p /mnt && mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/README.txt | head -1
                """);
        GuestRun run = GuestRun.boot(linux(kit, "jvisor.script=/dev/vdb", 1, raw(data, true), raw(script, true)));
        assertTrue(run.serial().contains("write refused"), run::toString);
        assertFalse(run.serial().contains("write accepted"), run::toString);
        assertTrue(run.serial().contains("This file lives on a virtio-blk disk"), run::toString);
        assertEquals(before, Disks.sha256(data), "the image is unchanged");
    }
}
