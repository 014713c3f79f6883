package jvisor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BadInputException;
import jvisor.boot.MemorySize;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;

/**
 * {@code ./jvisor bench net}: TCP throughput both ways and ping round trips inside a Linux guest
 * on virtio-net, jvisor ({@code --net user}, emu engine) against QEMU TCG ({@code -netdev user}
 * with virtio-net-pci), the same kernel, initrd and guest commands, rounds alternating so the
 * machine's load hits both. The guest sends a file from its RAM to a host socket with busybox nc
 * (timed on the host from accept to the last byte), receives as many bytes from another (timed
 * from accept until the guest closes after the last byte), then pings the gateway.
 */
final class NetBench {
    private static final long TIMEOUT_SECONDS = 900;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Pattern RTT = Pattern.compile("round-trip min/avg/max = ([0-9.]+)/([0-9.]+)/([0-9.]+) ms");

    record Options(int rounds, int cpus, long memory, int sizeMib, int pings, boolean qemu) {
        static Options parse(List<String> args) {
            int rounds = 3;
            int cpus = 1;
            long memory = 512L << 20;
            int size = 64;
            int pings = 20;
            boolean qemu = true;
            for (String a : args) {
                int eq = a.indexOf('=');
                String key = eq < 0 ? a : a.substring(0, eq);
                String value = eq < 0 ? "" : a.substring(eq + 1);
                switch (key) {
                    case "rounds" -> rounds = positive(a, value);
                    case "cpus" -> cpus = positive(a, value);
                    case "memory" -> memory = MemorySize.parse(value);
                    case "size" -> size = (int) (MemorySize.parse(value) >> 20);
                    case "pings" -> pings = positive(a, value);
                    case "--no-qemu" -> qemu = false;
                    default -> throw new BadInputException("unknown option '" + a
                            + "': use ./jvisor bench net [rounds=N] [cpus=N] [memory=512M] [size=64M] [pings=N] [--no-qemu]");
                }
            }
            if (size < 1 || (long) size << 20 > memory / 4) {
                throw new BadInputException("bench net: size must be at least 1M and at most a quarter of the guest's memory");
            }
            return new Options(rounds, cpus, memory, size, pings, qemu);
        }

        private static int positive(String arg, String value) {
            try {
                int n = Integer.parseInt(value);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadInputException(arg + ": needs a positive number");
        }
    }

    /** One round's figures: MB/s guest to host and host to guest, the mean ping round trip (NaN if none came back). */
    record Figures(double toHost, double toGuest, double rttMillis) { }

    private NetBench() { }

    static int run(List<String> args) {
        try {
            return measure(Options.parse(args));
        } catch (IOException e) {
            throw new BadInputException("bench net: " + e.getMessage());
        }
    }

    private static int measure(Options o) throws IOException {
        GuestKit.Kit kit = GuestKit.cached().orElse(null);
        if (kit == null) {
            System.out.println("bench net: no guest kit: build it with ./jvisor guest fetch");
            return 1;
        }
        boolean qemu = o.qemu() && DebianPackages.available("qemu-system-x86_64");
        Path work = Files.createTempDirectory("jvisor-bench-net");
        try {
            PrintStream out = System.out;
            out.printf(Locale.ROOT, "kit %s, %d cpu(s), %s guest RAM, %d MiB each way, %d pings; load %s%n",
                    kit.directory(), o.cpus(), MemorySize.format(o.memory()), o.sizeMib(), o.pings(), BootBench.loadAverage());
            if (o.qemu() && !qemu) {
                out.println("bench net: qemu-system-x86_64 is not installed; timing jvisor alone");
            }
            out.printf(Locale.ROOT, "%-6s %-6s %14s %14s %10s%n", "round", "", "guest->host", "host->guest", "ping RTT");
            out.printf(Locale.ROOT, "%-6s %-6s %14s %14s %10s%n", "", "", "MB/s", "MB/s", "ms");
            List<Figures> jvisor = new ArrayList<>();
            List<Figures> tcg = new ArrayList<>();
            for (int n = 1; n <= o.rounds(); n++) {
                jvisor.add(round(work, kit, o, false));
                print(out, Integer.toString(n), "jvisor", jvisor.getLast());
                if (qemu) {
                    tcg.add(round(work, kit, o, true));
                    print(out, Integer.toString(n), "TCG", tcg.getLast());
                }
            }
            Figures j = median(jvisor);
            print(out, "median", "jvisor", j);
            if (qemu) {
                Figures t = median(tcg);
                print(out, "median", "TCG", t);
                out.printf(Locale.ROOT, "%-13s %13.2fx %13.2fx %9.2fx   (throughput: higher is better; RTT: lower)%n",
                        "jvisor/TCG", j.toHost() / t.toHost(), j.toGuest() / t.toGuest(), j.rttMillis() / t.rttMillis());
            }
            out.printf(Locale.ROOT, "load at end: %s%n", BootBench.loadAverage());
            return 0;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One boot of one system with fresh host sockets and a script that names them. */
    private static Figures round(Path work, GuestKit.Kit kit, Options o, boolean qemu) throws IOException {
        long bytes = (long) o.sizeMib() << 20;
        try (ServerSocket sink = new ServerSocket(0, 1, LOOPBACK); ServerSocket source = new ServerSocket(0, 1, LOOPBACK)) {
            sink.setSoTimeout((int) (TIMEOUT_SECONDS * 1000));
            source.setSoTimeout((int) (TIMEOUT_SECONDS * 1000));
            Transfer toHost = new Transfer();
            Transfer toGuest = new Transfer();
            Thread a = Thread.ofPlatform().daemon().start(() -> toHost.receive(sink, bytes));
            Thread b = Thread.ofPlatform().daemon().start(() -> toGuest.send(source, bytes));
            Path script = work.resolve("script.img");
            Files.write(script, padded(guestScript(o, sink.getLocalPort(), source.getLocalPort())
                    .getBytes(StandardCharsets.US_ASCII)));
            TimedBoot boot = TimedBoot.run(qemu ? qemuCommand(kit, script, o) : jvisorCommand(kit, script, o),
                    InitScript.POWEROFF, TIMEOUT_SECONDS);
            sink.close();
            source.close();
            join(a);
            join(b);
            String who = qemu ? "QEMU TCG" : "jvisor";
            if (toHost.bytes != bytes || toGuest.bytes != bytes) {
                throw new BadInputException(who + " did not complete both transfers (" + toHost.bytes + " and "
                        + toGuest.bytes + " of " + bytes + " bytes; exit status " + boot.exitStatus() + "); its output:\n"
                        + boot.output() + boot.errors());
            }
            Matcher m = RTT.matcher(boot.output());
            double rtt = m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
            return new Figures(bytes / toHost.seconds / 1e6, bytes / toGuest.seconds / 1e6, rtt);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One timed transfer on the host side, filled in by its thread. */
    private static final class Transfer {
        volatile long bytes;
        volatile double seconds;

        /** The guest sends: from accept to the last expected byte. */
        void receive(ServerSocket server, long expected) {
            try (Socket s = server.accept()) {
                long start = System.nanoTime();
                InputStream in = s.getInputStream();
                byte[] b = new byte[1 << 16];
                long total = 0;
                int n;
                while (total < expected && (n = in.read(b)) > 0) {
                    total += n;
                }
                seconds = (System.nanoTime() - start) / 1e9;
                bytes = total;
            } catch (IOException e) {
                // The guest never came or went away: the round reports the bytes that arrived.
            }
        }

        /** The guest receives: from accept until it closes after taking every byte. */
        void send(ServerSocket server, long count) {
            try (Socket s = server.accept()) {
                long start = System.nanoTime();
                OutputStream out = s.getOutputStream();
                byte[] b = new byte[1 << 16];
                long sent = 0;
                while (sent < count) {
                    int n = (int) Math.min(b.length, count - sent);
                    out.write(b, 0, n);
                    sent += n;
                }
                s.shutdownOutput();
                while (s.getInputStream().read(b) >= 0) {
                    // Nothing comes back; -1 is the guest's close after its last read.
                }
                seconds = (System.nanoTime() - start) / 1e9;
                bytes = sent;
            } catch (IOException e) {
                // As above.
            }
        }
    }

    /** The file to send is made in the guest's RAM first, so only the network is timed. */
    static String guestScript(Options o, int sinkPort, int sourcePort) {
        return """
                dd if=/dev/zero of=/tmp/payload bs=1048576 count=%d 2>/dev/null
                nc 10.0.2.2 %d < /tmp/payload
                echo "netbench: sent"
                rm -f /tmp/payload
                nc 10.0.2.2 %d > /dev/null
                echo "netbench: received"
                ping -c %d -i 0.2 10.0.2.2 | tail -2
                """.formatted(o.sizeMib(), sinkPort, sourcePort, o.pings());
    }

    private static byte[] padded(byte[] text) {
        return java.util.Arrays.copyOf(text, (text.length + 511) / 512 * 512 + 512);
    }

    private static String cmdline() {
        return GuestKit.CMDLINE + " " + InitScript.NET_DHCP + " " + InitScript.SCRIPT_OPTION + "/dev/vda "
                + InitScript.TEST_OPTION;
    }

    private static List<String> jvisorCommand(GuestKit.Kit kit, Path script, Options o) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(BootBench.childJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "jvisor.Main", "run", "--engine", "emu",
                "--cpus", Integer.toString(o.cpus()), "--memory", (o.memory() >> 20) + "M",
                "--kernel", kit.vmlinuz().toString(), "--initrd", kit.initrd().toString(),
                "--drive", "file=" + script + ",readonly=on", "--net", "user", "--cmdline", cmdline()));
        return cmd;
    }

    private static List<String> qemuCommand(GuestKit.Kit kit, Path script, Options o) {
        return List.of("qemu-system-x86_64", "-accel", "tcg", "-m", Long.toString(o.memory() >> 20),
                "-smp", Integer.toString(o.cpus()), "-kernel", kit.vmlinuz().toString(), "-initrd", kit.initrd().toString(),
                "-append", cmdline(),
                "-drive", "if=none,id=d0,format=raw,readonly=on,file=" + script,
                "-device", "virtio-blk-pci,drive=d0,disable-legacy=on",
                "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,disable-legacy=on",
                "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot");
    }

    private static void print(PrintStream out, String round, String who, Figures f) {
        out.printf(Locale.ROOT, "%-6s %-6s %14.1f %14.1f %10s%n", round, who, f.toHost(), f.toGuest(),
                Double.isNaN(f.rttMillis()) ? "-" : String.format(Locale.ROOT, "%.3f", f.rttMillis()));
    }

    private static Figures median(List<Figures> rounds) {
        double[] up = rounds.stream().mapToDouble(Figures::toHost).sorted().toArray();
        double[] down = rounds.stream().mapToDouble(Figures::toGuest).sorted().toArray();
        double[] rtt = rounds.stream().mapToDouble(Figures::rttMillis).sorted().toArray();
        return new Figures(up[up.length / 2], down[down.length / 2], rtt[rtt.length / 2]);
    }
}
