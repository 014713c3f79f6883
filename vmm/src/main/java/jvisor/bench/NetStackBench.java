package jvisor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.boot.BadInputException;
import jvisor.net.NetCounter;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;
import jvisor.net.guestsim.SimTcp;
import jvisor.net.user.HostResolvers;
import jvisor.net.user.NetLimits;
import jvisor.net.user.UserNetConfig;
import jvisor.net.user.UserNetwork;

/**
 * {@code ./jvisor bench netstack}: the user-mode network stack alone, between the simulated guest
 * ({@link SimGuest}, a Java guest TCP/IP without a VM) and real host sockets on loopback. Bulk TCP
 * both ways, with large segments and checksum offload and without them, and small UDP datagrams
 * from the guest. A host-only figure: the guest's own cost per frame (a kernel on the emu engine)
 * comes on top in a real VM.
 */
final class NetStackBench {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private NetStackBench() { }

    record Options(long bytes, int rounds, int datagrams) {
        static Options parse(List<String> args) {
            long mib = 256;
            int rounds = 3;
            int datagrams = 200_000;
            for (String a : args) {
                if (a.startsWith("size=")) {
                    mib = number(a, "size=", 1 << 16);
                } else if (a.startsWith("rounds=")) {
                    rounds = (int) number(a, "rounds=", 100);
                } else if (a.startsWith("datagrams=")) {
                    datagrams = (int) number(a, "datagrams=", 100_000_000);
                } else {
                    throw new BadInputException("unknown option '" + a + "' for bench netstack: use size=MiB rounds=N datagrams=N");
                }
            }
            return new Options(mib << 20, rounds, datagrams);
        }

        private static long number(String option, String prefix, long max) {
            long n;
            try {
                n = Long.parseLong(option.substring(prefix.length()));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > max) {
                throw new BadInputException(prefix.substring(0, prefix.length() - 1) + " must be 1 to " + max + ": " + option);
            }
            return n;
        }
    }

    /** One measured run: seconds, bytes of payload, frames the stack exchanged with the guest. */
    private record Run(double seconds, long bytes, long frames) {
        double megabytesPerSecond() {
            return bytes / seconds / 1e6;
        }

        double framesPerSecond() {
            return frames / seconds;
        }
    }

    private interface Scenario {
        Run once(Options o) throws Exception;
    }

    static int run(List<String> args) {
        Options o = Options.parse(args);
        System.out.printf(Locale.ROOT, "user-mode stack, simulated guest <-> loopback sockets; %d processors, Java %s; best of %d%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), o.rounds());
        System.out.printf(Locale.ROOT, "%-44s %10s %12s %10s%n", "scenario", "MB/s", "frames/s", "seconds");
        report("TCP host->guest, 64 KiB segments (GSO)", o, opt -> hostToGuest(SimOptions.fast(), opt.bytes()));
        report("TCP host->guest, 1514-byte frames", o, opt -> hostToGuest(SimOptions.plain(), opt.bytes() / 4));
        report("TCP guest->host, 64 KiB segments (TSO)", o, opt -> guestToHost(SimOptions.fast(), opt.bytes()));
        report("TCP guest->host, 1514-byte frames", o, opt -> guestToHost(SimOptions.plain(), opt.bytes() / 4));
        report("UDP guest->host, 64-byte datagrams", o, opt -> udpGuestToHost(opt.datagrams()));
        return 0;
    }

    private static void report(String name, Options o, Scenario s) {
        Run best = null;
        try {
            s.once(o);      // warm-up: JIT, buffers
            for (int i = 0; i < o.rounds(); i++) {
                Run r = s.once(o);
                if (best == null || r.seconds() < best.seconds()) {
                    best = r;
                }
            }
        } catch (Exception e) {
            System.out.printf(Locale.ROOT, "%-44s failed: %s%n", name, e);
            return;
        }
        System.out.printf(Locale.ROOT, "%-44s %10.1f %12.0f %10.3f%n", name, best.megabytesPerSecond(), best.framesPerSecond(), best.seconds());
    }

    private static UserNetwork stack() {
        return UserNetwork.open(UserNetConfig.standard(List.of(), HostResolvers.read(HostResolvers.RESOLV_CONF), NetLimits.DEFAULT));
    }

    private static SimGuest guest(UserNetwork net, SimOptions options) {
        SimGuest g = new SimGuest(net, options);
        g.configure(UserNetConfig.GUEST, UserNetConfig.GATEWAY_MAC);
        return g;
    }

    private static Run hostToGuest(SimOptions options, long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK); UserNetwork net = stack(); SimGuest g = guest(net, options)) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] chunk = new byte[1 << 18];
                    for (long sent = 0; sent < bytes; sent += chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long start = System.nanoTime();
            SimTcp c = g.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TIMEOUT);
            byte[] b = new byte[1 << 18];
            long got = 0;
            int n;
            while ((n = c.read(b, 0, b.length, TIMEOUT)) >= 0) {
                got += n;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sender.join();
            if (got != bytes) {
                throw new IOException("received " + got + " of " + bytes);
            }
            return new Run(seconds, bytes, net.stats().get(NetCounter.TO_GUEST));
        }
    }

    private static Run guestToHost(SimOptions options, long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK); UserNetwork net = stack(); SimGuest g = guest(net, options)) {
            AtomicLong received = new AtomicLong();
            Thread receiver = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] b = new byte[1 << 18];
                    int n;
                    while ((n = in.read(b)) >= 0) {
                        received.addAndGet(n);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long start = System.nanoTime();
            SimTcp c = g.connect(UserNetConfig.GATEWAY, server.getLocalPort(), TIMEOUT);
            byte[] chunk = new byte[1 << 18];
            for (long sent = 0; sent < bytes; sent += chunk.length) {
                c.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
            }
            c.shutdownOutput();
            receiver.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (received.get() != bytes) {
                throw new IOException("the host received " + received.get() + " of " + bytes);
            }
            return new Run(seconds, bytes, net.stats().get(NetCounter.FROM_GUEST));
        }
    }

    private static Run udpGuestToHost(int datagrams) throws Exception {
        try (DatagramSocket host = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)); UserNetwork net = stack();
             SimGuest g = guest(net, SimOptions.plain())) {
            host.setReceiveBufferSize(8 << 20);
            AtomicLong received = new AtomicLong();
            Thread receiver = Thread.ofPlatform().start(() -> {
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                try {
                    host.setSoTimeout(1000);
                    while (true) {
                        host.receive(p);
                        received.incrementAndGet();
                    }
                } catch (IOException e) {
                    // the time-out after the last datagram ends the count
                }
            });
            byte[] payload = new byte[64];
            long start = System.nanoTime();
            for (int i = 0; i < datagrams; i++) {
                g.sendUdp(4000, UserNetConfig.GATEWAY, host.getLocalPort(), payload);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            receiver.join();
            return new Run(seconds, (long) datagrams * payload.length, net.stats().get(NetCounter.FROM_GUEST));
        }
    }
}
