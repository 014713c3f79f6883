package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

/** Debian's kernel drives virtio-rng and virtio-console: entropy from the host, a console port on a Unix socket. */
@Timeout(600)
class LinuxVirtioDevicesTest {
    @TempDir
    Path dir;

    @Test
    void theGuestTakesHostEntropyAndTalksOverItsVirtioConsole() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Path socket = dir.resolve("console.sock");
        Path script = Disks.script(dir, "script.img", """
                echo "rng: $(cat /sys/class/misc/hw_random/rng_current)"
                dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | tr -d ' \\n' | wc -c | sed 's/^/rng hex digits: /'
                exec 3<>/dev/hvc0
                echo "ready" >&3
                read -t 120 line <&3
                echo "pong: $line" >&3
                echo "console answered"
                """);
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE + " " + InitScript.SCRIPT_OPTION + "/dev/vda " + InitScript.TEST_OPTION)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(new DriveOption(script, DriveOption.Format.RAW, null, true, null)),
                        true, "socket=" + socket));
        CompletableFuture<String> host = CompletableFuture.supplyAsync(() -> talk(socket));
        GuestRun run = GuestRun.boot(config);

        assertTrue(run.serial().contains("rng: virtio_rng.0"), run::toString);
        assertTrue(run.serial().contains("rng hex digits: 128"), run::toString);
        assertTrue(run.serial().contains("console answered"), run::toString);
        assertEquals("pong: ping from the host", host.get(10, TimeUnit.SECONDS));
        assertEquals(0, run.status(), run::toString);
        assertTrue(!Files.exists(socket), "the socket is removed at the end");
    }

    /**
     * Connects once the socket exists, waits for the guest to have its end open (bytes that arrive
     * while no process has hvc0 open wait in the driver until its next interrupt), says ping, and
     * returns the guest's answer; the tty's echo of the ping is skipped.
     */
    private static String talk(Path socket) {
        try {
            try (SocketChannel c = connect(socket)) {
                BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
                for (String line; (line = r.readLine()) != null && !line.contains("ready"); ) { }
                c.write(java.nio.ByteBuffer.wrap("ping from the host\n".getBytes(StandardCharsets.US_ASCII)));
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("pong")) {
                        return line.replace("\r", "");
                    }
                }
                return "closed";
            }
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Retries until jvisor listens: the socket file appears at bind, a moment before listen. */
    private static SocketChannel connect(Path socket) throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            try {
                return SocketChannel.open(UnixDomainSocketAddress.of(socket));
            } catch (java.io.IOException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
