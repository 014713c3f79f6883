package jvisor.net.user;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.TxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million frames from a hostile guest: valid ARP, DHCP, DNS, UDP, TCP and ICMP frames, mutated
 * (bits flipped, bytes and length fields overwritten, truncated, extended) and plain garbage.
 * No exception may escape, every frame must be counted once, and the limits must hold. The
 * destination addresses are kept on the stack's own network and the host's loopback, so the test
 * never sends anything to the outside world.
 */
class HostileFramesTest {
    private static final int FRAMES = 1_000_000;
    private static final int[] DESTINATIONS = {
        UserNetConfig.GATEWAY, UserNetConfig.NAMESERVER, UserNetConfig.GUEST, Ipv4.BROADCAST, 0x0A00_02FF,
        0x0A00_0209, 0xE000_00FB, 0, 0x7F00_0001, 0x0A00_0200};

    @Test
    void aMillionRandomAndMutatedFramesAreCountedAndNeverCrashTheStack() throws Exception {
        NetLimits limits = NetLimits.DEFAULT.withTcpConnections(32).withUdpSessions(16)
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(200));
        SplittableRandom random = new SplittableRandom(0x5EED);
        try (ServerSocket sink = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
             UserNetwork net = UserNetwork.open(UserNetConfig.standard(List.of(), List.of(TestNet.SILENT_RESOLVER), limits))) {
            Thread.ofVirtual().start(() -> acceptAndDrain(sink));
            DiscardingGuest guest = new DiscardingGuest(14 + 65535);
            net.start(guest);
            ByteBuffer[] templates = templates(sink.getLocalPort());
            ByteBuffer work = ByteBuffer.allocate(70_000);
            TxOffload offload = new TxOffload();
            for (int i = 0; i < FRAMES; i++) {
                int length = mutate(random, templates[random.nextInt(templates.length)], work);
                int at = random.nextInt(20) == 0 ? 3 : 0;
                ByteBuffer frame = work;
                if (at != 0) {
                    frame = ByteBuffer.allocate(length + at);
                    frame.put(at, work, 0, length).position(at);
                } else {
                    frame.limit(length).position(0);
                }
                offload.clear();
                if (random.nextBoolean()) {
                    offload.checksumPending(34, random.nextInt(20));
                }
                if (random.nextInt(8) == 0) {
                    offload.segmentation(TxOffload.Segmentation.TCP4, 1 + random.nextInt(1460), random.nextInt(100));
                }
                net.transmit(frame, offload);
                if (i % 50_000 == 0) {
                    assertTrue(net.tcpConnections() <= 32 && net.udpSessions() <= 16);
                }
            }
            NetStats s = net.stats();
            assertEquals(0, s.get(NetCounter.INTERNAL_ERROR), s::toString);
            assertEquals(FRAMES, s.get(NetCounter.FROM_GUEST));
            assertEquals(FRAMES, s.total(NetCounter.Kind.GUEST_FRAME), s::toString);
            assertTrue(s.get(NetCounter.ACCEPTED) > FRAMES / 10, "enough frames got past the first checks: " + s);
            assertTrue(net.tcpBufferBytes() <= limits.tcpBufferBudget());
            System.out.println(s.report());
        }
    }

    private static void acceptAndDrain(ServerSocket sink) {
        while (!sink.isClosed()) {
            try {
                Socket s = sink.accept();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // a reset from the stack: expected
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    static ByteBuffer[] templates(int openPort) {
        int g = UserNetConfig.GUEST;
        return new ByteBuffer[] {
            RawFrames.arpRequest(g, UserNetConfig.GATEWAY),
            RawFrames.udp(0, 68, Ipv4.BROADCAST, 67, RawFrames.dhcp(1, RawFrames.GUEST_MAC, 0, 0, true)),
            RawFrames.udp(0, 68, Ipv4.BROADCAST, 67, RawFrames.dhcp(3, RawFrames.GUEST_MAC, g, 0, false)),
            RawFrames.udp(g, 5353, UserNetConfig.NAMESERVER, 53, RawFrames.dnsQuery(1, "fuzz.test")),
            RawFrames.udp(g, 4000, UserNetConfig.GATEWAY, 9, new byte[32]),
            RawFrames.tcp(g, 40000, UserNetConfig.GATEWAY, openPort, 1000, 0, Tcp.SYN, new byte[0]),
            RawFrames.tcp(g, 40000, UserNetConfig.GATEWAY, openPort, 1001, 0, Tcp.ACK | Tcp.PSH, new byte[200]),
            RawFrames.tcp(g, 40000, UserNetConfig.GATEWAY, openPort, 1201, 0, Tcp.ACK | Tcp.FIN, new byte[0]),
            RawFrames.tcp(g, 40001, UserNetConfig.GATEWAY, 9, 5, 0, Tcp.SYN, new byte[0]),
            RawFrames.echoRequest(g, UserNetConfig.GATEWAY, 1, 1),
        };
    }

    /** Copies a template into {@code work}, mutated one of several ways; returns the length. */
    static int mutate(SplittableRandom r, ByteBuffer template, ByteBuffer work) {
        int length = template.capacity();
        work.clear().put(0, template, 0, length);
        switch (r.nextInt(8)) {
            case 0 -> { }       // valid as it is
            case 1 -> {
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    int bit = r.nextInt(length * 8);
                    work.put(bit / 8, (byte) (work.get(bit / 8) ^ (1 << (bit % 8))));
                }
            }
            case 2 -> {
                for (int k = 1 + r.nextInt(4); k > 0; k--) {
                    work.put(r.nextInt(Math.min(length, 80)), (byte) r.nextInt(256));
                }
            }
            case 3 -> length = r.nextInt(length + 1);
            case 4 -> {
                int extra = r.nextInt(2000);
                for (int k = 0; k < extra; k++) {
                    work.put(length + k, (byte) r.nextInt(256));
                }
                length += extra;
            }
            case 5 -> {
                length = r.nextInt(1600);
                for (int k = 0; k < length; k++) {
                    work.put(k, (byte) r.nextInt(256));
                }
            }
            case 6 -> overwriteLengths(r, work, length);
            default -> {
                work.put(r.nextInt(length), (byte) r.nextInt(256));
                if (length > 54) {
                    Bytes.put8(work, 46, r.nextInt(256));       // TCP data offset, or UDP payload
                }
            }
        }
        keepOnOurNetwork(r, work, length);
        return length;
    }

    private static void overwriteLengths(SplittableRandom r, ByteBuffer w, int length) {
        if (length < 40) {
            return;
        }
        switch (r.nextInt(4)) {
            case 0 -> Bytes.put8(w, 14, 0x40 | r.nextInt(16));         // IHL
            case 1 -> Bytes.put16(w, 16, r.nextInt(65536));            // total length
            case 2 -> Bytes.put16(w, 38, r.nextInt(65536));            // UDP length
            default -> Bytes.put8(w, 46, r.nextInt(256));              // TCP data offset
        }
    }

    /** Points IPv4 frames at the stack's network or the loopback only, usually with a good header checksum. */
    private static void keepOnOurNetwork(SplittableRandom r, ByteBuffer w, int length) {
        if (length < Ethernet.HEADER + Ipv4.HEADER || Bytes.u16(w, Ethernet.TYPE) != Ethernet.TYPE_IPV4) {
            return;
        }
        int destination = Bytes.u32(w, Ethernet.HEADER + Ipv4.DESTINATION);
        boolean allowed = false;
        for (int d : DESTINATIONS) {
            allowed |= d == destination;
        }
        if (!allowed) {
            Bytes.put32(w, Ethernet.HEADER + Ipv4.DESTINATION, DESTINATIONS[r.nextInt(DESTINATIONS.length)]);
        }
        int ihl = (Bytes.u8(w, Ethernet.HEADER) & 0xF) * 4;
        if (r.nextInt(10) < 8 && ihl >= Ipv4.HEADER && Ethernet.HEADER + ihl <= length) {
            Bytes.put16(w, Ethernet.HEADER + Ipv4.CHECKSUM, 0);
            Bytes.put16(w, Ethernet.HEADER + Ipv4.CHECKSUM, Checksum.finish(Checksum.sum(w, Ethernet.HEADER, ihl)));
        }
    }
}
