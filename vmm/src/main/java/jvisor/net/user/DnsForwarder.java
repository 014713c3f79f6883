package jvisor.net.user;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.wire.Bytes;

/**
 * The DNS server at 10.0.2.3: forwards each query as it is to the host's resolver over UDP and
 * relays the answer back. Forwarding rather than resolving with the JDK keeps every record type
 * (AAAA, SRV, TXT, PTR, DNSSEC) and the guest resolver's own behaviour, never blocks the stack's
 * thread (InetAddress look-ups block and know only addresses), and needs no DNS encoder here.
 *
 * <p>Each query gets a fresh 16-bit ID on the host side, so that queries from different guest
 * ports with equal IDs cannot be confused and an answer from anywhere but the resolver it was
 * sent to is ignored. Pending queries are bounded and expire; an expiry moves later queries to the
 * next resolver in resolv.conf.
 */
final class DnsForwarder implements EventLoop.Handler {
    static final int HEADER = 12;
    private static final int MAX_MESSAGE = 65535;

    /** A query awaiting its answer. */
    private static final class Pending {
        int id;
        boolean answered;
        int guestAddress;
        int guestPort;
        int guestId;
        long deadline;
        InetSocketAddress resolver;
    }

    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;
    private final EventLoop loop;
    private final List<InetSocketAddress> resolvers;
    private final Pending[] byId = new Pending[65536];
    /** In order of sending, which is also the order of the deadlines. */
    private final ArrayDeque<Pending> order = new ArrayDeque<>();
    private final SplittableRandom random = new SplittableRandom();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_MESSAGE).order(ByteOrder.BIG_ENDIAN);
    private DatagramChannel channel;
    private int pending;
    private int current;

    DnsForwarder(UserNetConfig config, GuestLink link, NetStats stats, EventLoop loop) {
        this.config = config;
        this.link = link;
        this.stats = stats;
        this.loop = loop;
        this.resolvers = config.resolvers();
    }

    /** The resolver TCP connections to 10.0.2.3:53 go to. */
    InetSocketAddress resolver() {
        return resolvers.get(current);
    }

    /** A query of {@code length} bytes at {@code at} from the guest's {@code address}:{@code port}. */
    NetCounter query(ByteBuffer f, int at, int length, int address, int port) {
        if (length < HEADER || (Bytes.u8(f, at + 2) & 0x80) != 0 || Bytes.u16(f, at + 4) == 0) {
            return NetCounter.DNS_MALFORMED;
        }
        if (pending >= config.limits().dnsPending() || !open()) {
            return NetCounter.DNS_BUSY;
        }
        int id = freeId();
        InetSocketAddress resolver = resolvers.get(current);
        buffer.clear().put(0, f, at, length);
        Bytes.put16(buffer, 0, id);
        buffer.limit(length);
        try {
            if (channel.send(buffer, resolver) == 0) {
                return NetCounter.DNS_BUSY;
            }
        } catch (IOException e) {
            return NetCounter.DNS_BUSY;
        }
        Pending p = new Pending();
        p.id = id;
        p.guestAddress = address;
        p.guestPort = port;
        p.guestId = Bytes.u16(f, at);
        p.resolver = resolver;
        p.deadline = System.nanoTime() + config.limits().dnsTimeout().toNanos();
        byId[id] = p;
        if (order.size() >= 4 * config.limits().dnsPending()) {
            order.removeIf(q -> q.answered);     // answered queries behind a slow one; keeps the queue bounded
        }
        order.addLast(p);
        pending++;
        loop.schedule(p.deadline);
        stats.increment(NetCounter.DNS_QUERIES);
        return NetCounter.ACCEPTED;
    }

    /** A random free ID: an off-path host cannot guess which answer the forwarder waits for. */
    private int freeId() {
        int id = random.nextInt(65536);
        while (byId[id] != null) {
            id = (id + 1) & 0xFFFF;
        }
        return id;
    }

    private boolean open() {
        if (channel != null) {
            return true;
        }
        try {
            channel = DatagramChannel.open();
            loop.register(channel, SelectionKey.OP_READ, this);
            return true;
        } catch (IOException e) {
            channel = null;
            return false;
        }
    }

    @Override
    public void ready(SelectionKey key) {
        for (int i = 0; i < 64; i++) {
            SocketAddress from;
            try {
                from = channel.receive(buffer.clear());
            } catch (IOException e) {
                return;
            }
            if (from == null) {
                return;
            }
            int length = buffer.position();
            if (length < HEADER) {
                continue;
            }
            int id = Bytes.u16(buffer, 0);
            Pending p = byId[id];
            if (p == null || !p.resolver.equals(from)) {
                continue;
            }
            byId[id] = null;
            p.answered = true;
            pending--;
            Bytes.put16(buffer, 0, p.guestId);
            link.sendUdp(config.nameserver(), HostResolvers.DNS_PORT, p.guestAddress, p.guestPort, buffer, 0, length);
        }
    }

    /** Expires the queries the resolver did not answer in time. */
    void expire(long now) {
        while (!order.isEmpty()) {
            Pending p = order.peekFirst();
            if (p.answered) {
                order.pollFirst();
            } else if (p.deadline - now <= 0) {
                order.pollFirst();
                byId[p.id] = null;
                pending--;
                stats.increment(NetCounter.DNS_TIMEOUT);
                if (p.resolver.equals(resolvers.get(current))) {
                    current = (current + 1) % resolvers.size();
                }
            } else {
                loop.schedule(p.deadline);
                return;
            }
        }
    }

    int pending() {
        return pending;
    }

    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
