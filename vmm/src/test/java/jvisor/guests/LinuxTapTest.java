package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import jvisor.testing.Disks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel on emu with {@code --net tap}: the test makes a network namespace with a TAP
 * device (10.99.0.1/24) and a small server in it, and runs jvisor in that namespace, so the guest
 * (10.99.0.2) talks to the namespace's kernel with offloads passed through and touches nothing
 * else on the host. The guest pings the kernel, fetches 8 MiB over HTTP and sends 8 MiB back;
 * both are compared by SHA-256. Skipped, with the reason, where namespaces or TAP devices cannot
 * be made (they need root).
 */
@Timeout(900)
class LinuxTapTest {
    static final int SIZE = 8 << 20;
    static final long SEED = 42;
    static final long BOOT_SECONDS = 600;

    @TempDir
    Path dir;
    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
    private final String namespace = "jvlnx" + suffix;
    private final String device = "jvltap" + suffix;

    /** The server in the namespace: HTTP GET of SIZE seeded bytes on 8000, a sink that digests SIZE bytes on 8001. */
    static final String SERVER = """
            import java.io.*;
            import java.net.*;
            import java.security.MessageDigest;
            import java.util.HexFormat;
            import java.util.SplittableRandom;

            public class NsServer {
                public static void main(String[] a) throws Exception {
                    int size = Integer.parseInt(a[0]);
                    byte[] data = new byte[size];
                    new SplittableRandom(Long.parseLong(a[1])).nextBytes(data);
                    InetAddress at = InetAddress.getByName("10.99.0.1");
                    ServerSocket http = new ServerSocket(8000, 16, at);
                    ServerSocket sink = new ServerSocket(8001, 16, at);
                    Thread.ofPlatform().start(() -> {
                        while (true) {
                            try (Socket s = sink.accept()) {
                                MessageDigest d = MessageDigest.getInstance("SHA-256");
                                InputStream in = s.getInputStream();
                                byte[] b = new byte[65536];
                                long total = 0;
                                int n;
                                while (total < size && (n = in.read(b, 0, (int) Math.min(b.length, size - total))) > 0) {
                                    d.update(b, 0, n);
                                    total += n;
                                }
                                System.out.println("received " + total + " " + HexFormat.of().formatHex(d.digest()));
                            } catch (Exception e) {
                                System.out.println("sink failed: " + e);
                            }
                        }
                    });
                    System.out.println("ready");
                    while (true) {
                        try (Socket s = http.accept()) {
                            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream()));
                            for (String line; (line = r.readLine()) != null && !line.isEmpty(); ) { }
                            OutputStream out = s.getOutputStream();
                            out.write(("HTTP/1.0 200 OK\\r\\nContent-Length: " + size + "\\r\\n\\r\\n").getBytes());
                            out.write(data);
                        } catch (IOException e) {
                            System.out.println("http failed: " + e);
                        }
                    }
                }
            }
            """;

    /** The server's next line, or null if none comes within two minutes (the server is killed afterwards). */
    private static String line(BufferedReader r) throws Exception {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return null;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": " + out.strip());
        }
        return out;
    }

    /** The namespace with its TAP device up at 10.99.0.1, or the test skipped with the reason. */
    private void makeNamespace() throws InterruptedException {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun here");
        assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces and TAP devices need root");
        try {
            run("ip", "netns", "add", namespace);
        } catch (IOException e) {
            assumeTrue(false, "cannot make a network namespace: " + e.getMessage());
        }
        try {
            run("ip", "netns", "exec", namespace, "ip", "tuntap", "add", "dev", device, "mode", "tap");
            run("ip", "netns", "exec", namespace, "ip", "addr", "add", "10.99.0.1/24", "dev", device);
            run("ip", "netns", "exec", namespace, "ip", "link", "set", device, "up");
            run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");
        } catch (IOException e) {
            removeNamespace();
            assumeTrue(false, "cannot make a TAP device in the namespace: " + e.getMessage());
        }
    }

    private void removeNamespace() throws InterruptedException {
        try {
            run("ip", "netns", "del", namespace);     // takes its TAP device with it
        } catch (IOException e) {
            // Already gone.
        }
    }

    @Test
    void pingAndEightMebibytesEachWayThroughATapDevice() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        makeNamespace();
        Process server = null;
        try {
            Path source = Files.writeString(dir.resolve("NsServer.java"), SERVER);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            server = new ProcessBuilder("ip", "netns", "exec", namespace, java.toString(), source.toString(),
                    Integer.toString(SIZE), Long.toString(SEED)).redirectErrorStream(true).start();
            BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", line(serverOut), "the server in the namespace started");

            Path script = Disks.script(dir, "script.img", """
                    ip link set eth0 up
                    ip addr add 10.99.0.2/24 dev eth0
                    ping -c 3 -W 10 10.99.0.1 | tail -2
                    wget -q -O /tmp/f http://10.99.0.1:8000/file && echo "jvisor-test: fetched $(sha256sum /tmp/f | cut -d' ' -f1)"
                    rm -f /tmp/f
                    dd if=/dev/urandom of=/tmp/up bs=65536 count=%d 2>/dev/null
                    echo "jvisor-test: sending $(sha256sum /tmp/up | cut -d' ' -f1)"
                    nc 10.99.0.1 8001 < /tmp/up
                    echo "jvisor-test: sent"
                    """.formatted(SIZE / 65536));
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java.toString(),
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m",
                    "-cp", System.getProperty("java.class.path"), "jvisor.Main", "run", "--engine", "emu",
                    "--memory", "512M", "--kernel", kit.vmlinuz().toString(), "--initrd", kit.initrd().toString(),
                    "--drive", "file=" + script + ",readonly=on", "--net", "tap,ifname=" + device,
                    "--cmdline", GuestKit.CMDLINE + " " + InitScript.SCRIPT_OPTION + "/dev/vda " + InitScript.TEST_OPTION));
            Process jvisor = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(jvisor.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    return "(output lost: " + e + ")";
                }
            });
            boolean ended = jvisor.waitFor(BOOT_SECONDS, TimeUnit.SECONDS);
            if (!ended) {
                jvisor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);     // no jvisor left behind in the namespace
            }
            String out = output.get(10, TimeUnit.SECONDS);
            assertTrue(ended, "jvisor did not finish in " + BOOT_SECONDS + " s:\n" + out);
            assertEquals(0, jvisor.exitValue(), out);

            byte[] data = new byte[SIZE];
            new SplittableRandom(SEED).nextBytes(data);
            assertTrue(out.contains("3 packets transmitted, 3 packets received"), out);
            assertTrue(out.contains("jvisor-test: fetched " + LinuxNetworkTest.sha256(data)), out);
            assertTrue(out.contains("jvisor-test: sent"), out);
            int at = out.indexOf("jvisor-test: sending ");
            assertTrue(at >= 0, out);
            String sent = out.substring(at + "jvisor-test: sending ".length(), at + "jvisor-test: sending ".length() + 64);
            assertEquals("received " + SIZE + " " + sent, line(serverOut), "the namespace got the guest's bytes intact");
        } finally {
            if (server != null) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            removeNamespace();
        }
    }
}
