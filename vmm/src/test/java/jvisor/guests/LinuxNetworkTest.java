package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import jvisor.net.NetOptions;
import jvisor.testing.Disks;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel on emu with {@code --net user}, in one boot: the guest gets its address by DHCP,
 * pings the gateway, fetches 20 MiB from an HTTP server on the host through 10.0.2.2 and six
 * files at once, then serves 20 MiB (and a small file four times at once) to the host through a
 * {@code hostfwd} port. Every transfer is compared by SHA-256 on both sides.
 */
@Timeout(1200)
class LinuxNetworkTest {
    static final int BIG = 20 << 20;
    static final int SMALL = 1 << 20;
    static final int PARALLEL_FETCHES = 6;
    static final int PARALLEL_SERVES = 4;
    static final int GUEST_HTTP_PORT = 8080;

    @TempDir
    Path dir;

    /** Deterministic content for {@code name}, so the host knows each file's digest without keeping it. */
    static byte[] content(String name, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(name.hashCode()).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void dhcpPingAndTwentyMebibytesEachWayThroughTheUserStack() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        Map<String, byte[]> files = new ConcurrentHashMap<>();
        files.put("/big", content("big", BIG));
        for (int i = 1; i <= PARALLEL_FETCHES; i++) {
            files.put("/c" + i, content("c" + i, SMALL));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> serve(exchange, files));
        server.start();
        int forwarded = freePort();
        ExecutorService host = Executors.newVirtualThreadPerTaskExecutor();
        try {
            int port = server.getAddress().getPort();
            String script = guestScript(port);
            Path scriptDisk = Disks.script(dir, "script.img", script);
            BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                    .withInitrd(new GuestImage.File(kit.initrd()))
                    .withCmdline(GuestKit.CMDLINE + " " + InitScript.NET_DHCP + " " + InitScript.SCRIPT_OPTION + "/dev/vda "
                            + InitScript.TEST_OPTION)
                    .withMemory(512L << 20)
                    .withEngine(EngineChoice.EMU)
                    .withDevices(new DeviceOptions(List.of(new DriveOption(scriptDisk, DriveOption.Format.RAW, null, true, null)),
                            false, null).withNet(NetOptions.parse("user,hostfwd=tcp:127.0.0.1:" + forwarded + "-:" + GUEST_HTTP_PORT)));
            Future<List<String>> fetched = host.submit(() -> fetchFromGuest(forwarded));
            GuestRun run = GuestRun.boot(config);
            stopFetching = true;
            String serial = run.serial();

            assertEquals(0, run.status(), run::toString);
            assertTrue(serial.contains(InitScript.NETWORK_PREFIX + "eth0 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3"), run::toString);
            assertTrue(serial.contains("3 packets transmitted, 3 packets received"), run::toString);
            assertTrue(serial.contains("jvisor-test: fetched /big " + sha256(files.get("/big"))), run::toString);
            for (int i = 1; i <= PARALLEL_FETCHES; i++) {
                assertTrue(serial.contains("jvisor-test: fetched /c" + i + " " + sha256(files.get("/c" + i))), run::toString);
            }
            List<String> fromGuest = fetched.get();
            assertEquals(1 + PARALLEL_SERVES, fromGuest.size(), run::toString);
            assertEquals(served(serial, "big"), fromGuest.getFirst(), "the host got the guest's 20 MiB intact");
            for (String small : fromGuest.subList(1, fromGuest.size())) {
                assertEquals(served(serial, "small"), small, "each concurrent fetch got the guest's file intact");
            }
            assertTrue(serial.contains("jvisor-test: the host has its files"), run::toString);
            assertFalse(run.log().contains("Exception"), run::toString);
        } finally {
            stopFetching = true;
            server.stop(0);
            host.shutdownNow();
        }
    }

    private volatile boolean stopFetching;
    private volatile boolean hostDone;

    private void serve(HttpExchange exchange, Map<String, byte[]> files) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = path.equals("/done") ? (hostDone ? new byte[] {'1'} : null) : files.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * What the guest does: report its lease and route, ping the gateway, fetch from the host (one
     * large file, then several at once), serve two files with busybox httpd, and wait until the
     * host says it has them.
     */
    static String guestScript(int port) {
        String url = "http://10.0.2.2:" + port;
        StringBuilder s = new StringBuilder();
        s.append("ping -c 3 -W 10 10.0.2.2 | tail -2\n");
        s.append("fetch() { wget -q -O /tmp/f$1 ").append(url).append("/$1 && echo \"jvisor-test: fetched /$1 $(sha256sum /tmp/f$1 | cut -d' ' -f1)\"; rm -f /tmp/f$1; }\n");
        s.append("fetch big\n");
        for (int i = 1; i <= PARALLEL_FETCHES; i++) {
            s.append("fetch c").append(i).append(" &\n");
        }
        s.append("wait\n");
        s.append("mkdir -p /tmp/www\n");
        s.append("dd if=/dev/urandom of=/tmp/www/big bs=65536 count=").append(BIG / 65536).append(" 2>/dev/null\n");
        s.append("dd if=/dev/urandom of=/tmp/www/small bs=65536 count=").append(SMALL / 65536).append(" 2>/dev/null\n");
        s.append("echo \"jvisor-test: serving big $(sha256sum /tmp/www/big | cut -d' ' -f1)\"\n");
        s.append("echo \"jvisor-test: serving small $(sha256sum /tmp/www/small | cut -d' ' -f1)\"\n");
        s.append("httpd -p ").append(GUEST_HTTP_PORT).append(" -h /tmp/www\n");
        s.append("n=0; until wget -q -O /dev/null ").append(url).append("/done 2>/dev/null || [ $n -ge 900 ]; do sleep 1; n=$((n + 1)); done\n");
        s.append("echo \"jvisor-test: the host has its files\"\n");
        return s.toString();
    }

    private static String served(String serial, String name) {
        Matcher m = Pattern.compile("jvisor-test: serving " + name + " ([0-9a-f]{64})").matcher(serial);
        assertTrue(m.find(), serial);
        return m.group(1);
    }

    /**
     * The host's side of the hostfwd transfers: tries the forwarded port until the guest's httpd
     * answers, fetches the big file, then the small one several times at once; returns their digests.
     */
    private List<String> fetchFromGuest(int port) throws Exception {
        List<String> digests = new ArrayList<>();
        byte[] big = null;
        while (big == null && !stopFetching) {
            big = get(port, "/big");
            if (big == null || big.length != BIG) {
                big = null;
                Thread.sleep(1000);         // the guest's server is not up yet
            }
        }
        if (big == null) {
            return digests;
        }
        digests.add(sha256(big));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> smalls = new ArrayList<>();
            for (int i = 0; i < PARALLEL_SERVES; i++) {
                smalls.add(pool.submit(() -> get(port, "/small")));
            }
            for (Future<byte[]> f : smalls) {
                byte[] b = f.get();
                assertNotNull(b, "a concurrent fetch through hostfwd failed");
                digests.add(sha256(b));
            }
        }
        hostDone = true;
        return digests;
    }

    /** A minimal HTTP/1.0 GET: the body, or null if the connection failed or the status was not 200. */
    static byte[] get(int port, String path) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(120_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: guest\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] all = s.getInputStream().readAllBytes();
            int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (end < 0 || !new String(all, 0, Math.min(all.length, 16), StandardCharsets.US_ASCII).contains(" 200")) {
                return null;
            }
            return java.util.Arrays.copyOfRange(all, end + 4, all.length);
        } catch (IOException e) {
            return null;
        }
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= a.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
