package jvisor.net.user;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.SplittableRandom;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;

/**
 * The guest's TCP: the table of {@link TcpConnection}s (at most {@link NetLimits#tcpConnections},
 * looked up by ports and remote address without allocating), new connections from the guest's
 * SYNs and from {@code hostfwd} listeners, and the sweep of their timers.
 */
final class TcpProxy {
    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;
    private final EventLoop loop;
    private final BufferPool pool;
    private final TcpWriter writer;
    private final DnsForwarder dns;
    private final TcpSegment segment = new TcpSegment();
    private final LongMap<TcpConnection> table = new LongMap<>(64);
    private final SplittableRandom random = new SplittableRandom();

    TcpProxy(UserNetConfig config, GuestLink link, NetStats stats, EventLoop loop, DnsForwarder dns) {
        this.config = config;
        this.link = link;
        this.stats = stats;
        this.loop = loop;
        this.dns = dns;
        this.pool = new BufferPool(config.limits().tcpBufferBudget(), 2 * config.limits().tcpConnections());
        this.writer = new TcpWriter(link);
    }

    UserNetConfig config() {
        return config;
    }

    GuestLink link() {
        return link;
    }

    NetStats stats() {
        return stats;
    }

    EventLoop loop() {
        return loop;
    }

    BufferPool pool() {
        return pool;
    }

    TcpWriter writer() {
        return writer;
    }

    int newIss() {
        return random.nextInt();
    }

    static long key(int guestPort, int remoteAddress, int remotePort) {
        return (long) guestPort << 48 | (long) remotePort << 32 | (remoteAddress & 0xFFFF_FFFFL);
    }

    TcpConnection get(long key) {
        return table.get(key);
    }

    int connections() {
        return table.size();
    }

    /** A TCP segment from the guest: {@code length} bytes at {@code at}. */
    NetCounter segment(ByteBuffer f, int at, int length, int source, int destination, boolean checksumPending, long now) {
        TcpSegment s = segment;
        if (!s.parse(f, at, length)) {
            return NetCounter.TCP_MALFORMED;
        }
        if (!checksumPending && !Checksum.verifies(
                Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_TCP, length) + Checksum.sum(f, at, length))) {
            return NetCounter.TCP_CHECKSUM;
        }
        long k = key(s.sourcePort, destination, s.destinationPort);
        TcpConnection c = table.get(k);
        if (c != null && c.guestAddress != source) {
            c = null;       // the same ports from another guest address: not this connection
        } else if (c != null && c.state() == TcpConnection.State.TIME_WAIT && s.has(Tcp.SYN) && !s.has(Tcp.ACK)) {
            c.remove();     // a new connection reusing the ports (RFC 9293 allows it from TIME-WAIT)
            c = null;
        }
        if (c != null) {
            return c.segment(s, f, now);
        }
        if (s.has(Tcp.RST)) {
            return NetCounter.TCP_NO_CONNECTION;
        }
        if (!s.has(Tcp.SYN) || s.has(Tcp.ACK)) {
            writer.resetFor(s, source, destination);
            stats.increment(NetCounter.TCP_RESETS_SENT);
            return NetCounter.TCP_NO_CONNECTION;
        }
        InetSocketAddress target = target(destination, s.destinationPort);
        if (target == null) {
            writer.resetFor(s, source, destination);
            return NetCounter.IP_UNREACHABLE;
        }
        if (table.size() >= config.limits().tcpConnections() || table.get(k) != null) {
            writer.resetFor(s, source, destination);
            stats.increment(NetCounter.TCP_RESETS_SENT);
            return NetCounter.TCP_LIMIT;
        }
        c = new TcpConnection(k, source, s.sourcePort, destination, s.destinationPort, this);
        table.put(k, c);
        stats.increment(NetCounter.TCP_OPENED);
        try {
            c.connect(s, target, now);
        } catch (IOException e) {
            stats.increment(NetCounter.TCP_CONNECT_FAILED);
            c.abortWithReset();
        }
        return NetCounter.ACCEPTED;
    }

    /** Where on the host a guest's connection goes; null for addresses the stack does not serve. */
    private InetSocketAddress target(int destination, int port) {
        if (destination == config.nameserver()) {
            return port == HostResolvers.DNS_PORT ? dns.resolver() : null;
        }
        if (destination == config.gateway()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }
        if (config.inNetwork(destination) || Ipv4.multicast(destination) || destination == Ipv4.BROADCAST
                || (destination >>> 24) == 0 || (destination >>> 24) == 127) {
            return null;
        }
        return new InetSocketAddress(Ipv4.toInet(destination), port);
    }

    /** A client a {@code hostfwd} rule accepted; closed at once if the table is full. */
    void accepted(SocketChannel client, int visibleAddress, int clientPort, int guestAddress, int guestPort, long now) {
        long k = key(guestPort, visibleAddress, clientPort);
        if (table.size() >= config.limits().tcpConnections() || table.get(k) != null) {
            close(client);
            return;
        }
        TcpConnection c = new TcpConnection(k, guestAddress, guestPort, visibleAddress, clientPort, this);
        table.put(k, c);
        stats.increment(NetCounter.TCP_OPENED);
        stats.increment(NetCounter.HOSTFWD_ACCEPTED);
        try {
            if (!c.accept(client, now)) {
                c.remove();
            }
        } catch (IOException e) {
            c.remove();
        }
    }

    private static void close(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // The descriptor is released either way.
        }
    }

    void removed(TcpConnection c) {
        if (table.get(c.key) == c) {
            table.remove(c.key);
            stats.increment(NetCounter.TCP_CLOSED);
        }
    }

    /** Runs the timers that are due and schedules the next. */
    void timers(long now) {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < table.slots(); i++) {
            TcpConnection c = table.valueAt(i);
            if (c == null) {
                continue;
            }
            long d = c.deadline();
            if (d != 0 && now - d >= 0) {
                c.timer(now);
                if (table.valueAt(i) != c) {
                    i--;    // removed: a later entry may have moved into this slot
                    continue;
                }
                d = c.deadline();
            }
            if (d != 0) {
                next = Math.min(next, d);
            }
        }
        if (next != Long.MAX_VALUE) {
            loop.schedule(next);
        }
    }

    /** One line per connection, for the monitor and for tests that stall. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < table.slots(); i++) {
            TcpConnection c = table.valueAt(i);
            if (c != null) {
                b.append(c).append('\n');
            }
        }
        return b.toString();
    }

    void close() {
        for (int i = 0; i < table.slots(); i++) {
            TcpConnection c = table.valueAt(i);
            if (c != null) {
                c.closeQuietly();
            }
        }
        table.clear();
    }
}
