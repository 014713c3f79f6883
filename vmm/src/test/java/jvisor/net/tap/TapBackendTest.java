package jvisor.net.tap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BadInputException;
import jvisor.net.NetCounter;
import jvisor.net.NetOptions;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TAP back end against a real device: the test creates a TAP device, attaches the back end,
 * moves the device into a network namespace of its own and gives it 10.99.0.1 there, so the
 * simulated guest (10.99.0.2) talks to that namespace's kernel and nothing else on the host.
 */
class TapBackendTest {
    private static final int KERNEL = 0x0A63_0001;
    private static final int GUEST = 0x0A63_0002;
    private static final Duration T = Duration.ofSeconds(10);
    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
    private final String device = "jvtap" + suffix;
    private final String namespace = "jvnet" + suffix;

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    /** Skips, saying why, where the test cannot make devices and namespaces. */
    private static void assumeCanMakeDevices() {
        assumeTrue(Files.exists(TunDevice.DEVICE), "no /dev/net/tun here");
        assumeTrue("root".equals(System.getProperty("user.name")), "making TAP devices and namespaces needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")), "iproute2 (ip) is not installed");
    }

    @AfterEach
    void cleanUp() throws Exception {
        new ProcessBuilder("ip", "netns", "del", namespace).redirectErrorStream(true).start().waitFor();
        new ProcessBuilder("ip", "link", "del", device).redirectErrorStream(true).start().waitFor();
    }

    private SimGuest attachInNamespace(TapBackend tap, SimOptions options) throws Exception {
        SimGuest guest = new SimGuest(tap, options);
        run("ip", "link", "set", device, "netns", namespace);
        run("ip", "netns", "exec", namespace, "ip", "addr", "add", "10.99.0.1/24", "dev", device);
        run("ip", "netns", "exec", namespace, "ip", "link", "set", device, "up");
        run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");
        guest.configure(GUEST, -1);
        long mac = guest.arp(KERNEL, T);
        assertNotEquals(-1, mac, "the namespace's kernel answers ARP through the device");
        guest.configure(GUEST, mac);
        return guest;
    }

    @Test
    void pingAndTcpThroughTheDeviceWithOffloads() throws Exception {
        assumeCanMakeDevices();
        try {
            run("ip", "netns", "add", namespace);
            run("ip", "tuntap", "add", "dev", device, "mode", "tap");
        } catch (IOException e) {
            assumeTrue(false, "cannot make a namespace and a TAP device here: " + e.getMessage());
        }
        Process server = null;
        try (TapBackend tap = TapBackend.open((NetOptions.Tap) NetOptions.parse("tap,ifname=" + device))) {
            SimGuest guest = attachInNamespace(tap, SimOptions.fast());
            assertTrue(guest.ping(KERNEL, 1, 1, 1000, T));
            server = echoServer();
            SimTcp c = connectWithRetry(guest);
            byte[] data = new byte[4 << 20];
            new SplittableRandom(1).nextBytes(data);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.write(data, 0, data.length);
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = c.read(b, 0, b.length, T)) >= 0) {
                d.update(b, 0, n);
                total += n;
            }
            writer.join();
            assertEquals(data.length, total);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), d.digest());
            assertEquals(0, guest.counts().checksumErrors());
            assertTrue(guest.counts().largeSegments() > 0, "the kernel sent large segments: " + guest.counts());
            assertEquals(tap.stats().get(NetCounter.FROM_GUEST), tap.stats().total(NetCounter.Kind.GUEST_FRAME));
            guest.close();
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
        }
    }

    private Process echoServer() throws IOException {
        String script = "import socket\n"
                + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('10.99.0.1', 7)); s.listen(1)\n"
                + "c, _ = s.accept()\n"
                + "while True:\n"
                + "    d = c.recv(65536)\n"
                + "    if not d: break\n"
                + "    c.sendall(d)\n"
                + "c.close()\n";
        return new ProcessBuilder("ip", "netns", "exec", namespace, "python3", "-c", script).inheritIO().start();
    }

    private static SimTcp connectWithRetry(SimGuest guest) throws Exception {
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                return guest.connect(KERNEL, 7, T);
            } catch (IOException e) {
                last = e;       // the server is still starting: the kernel answered with a reset
                Thread.sleep(100);
            }
        }
        throw last;
    }

    @Test
    void aMissingDeviceIsNamedWithHowToCreateIt() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> TapBackend.open(new NetOptions.Tap(jvisor.net.MacAddress.DEFAULT_GUEST, "jvnone" + suffix, true)));
        assertEquals("--net tap,ifname=jvnone" + suffix + ": there is no network device jvnone" + suffix
                + "; create it: ip tuntap add dev jvnone" + suffix + " mode tap user $(id -un) && ip link set jvnone" + suffix + " up", e.getMessage());
    }

    @Test
    void aDeviceThatIsNotTapIsRefused() {
        assumeTrue(Files.exists(Path.of("/sys/class/net/lo")), "no sysfs");
        BadInputException e = assertThrows(BadInputException.class,
                () -> TapBackend.open(new NetOptions.Tap(jvisor.net.MacAddress.DEFAULT_GUEST, "lo", true)));
        assertEquals("--net tap,ifname=lo: lo is not a TUN/TAP device; name one made with: ip tuntap add dev NAME mode tap", e.getMessage());
    }

    @Test
    void aTunDeviceAndABusyDeviceAreRefused() throws Exception {
        assumeCanMakeDevices();
        try {
            run("ip", "tuntap", "add", "dev", device, "mode", "tun");
        } catch (IOException e) {
            assumeTrue(false, "cannot make a TUN device here: " + e.getMessage());
        }
        BadInputException tun = assertThrows(BadInputException.class,
                () -> TapBackend.open((NetOptions.Tap) NetOptions.parse("tap,ifname=" + device)));
        assertTrue(tun.getMessage().endsWith("is a TUN device (IP packets), not TAP (Ethernet frames); create one with mode tap"), tun.getMessage());
        run("ip", "link", "del", device);
        run("ip", "tuntap", "add", "dev", device, "mode", "tap");
        try (TapBackend first = TapBackend.open((NetOptions.Tap) NetOptions.parse("tap,ifname=" + device))) {
            BadInputException busy = assertThrows(BadInputException.class,
                    () -> TapBackend.open((NetOptions.Tap) NetOptions.parse("tap,ifname=" + device)));
            assertEquals("--net tap,ifname=" + device + ": the device is in use by another process", busy.getMessage());
        }
    }
}
