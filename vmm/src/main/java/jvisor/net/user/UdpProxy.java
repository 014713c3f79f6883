package jvisor.net.user;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;

/**
 * The guest's UDP to the host and beyond: one {@link UdpSession} per guest source port, at most
 * {@link NetLimits#udpSessions} of them (the least recently used one closes for a new one), each
 * closed after {@link NetLimits#udpIdle} without traffic. Datagrams that answer a host-forwarded
 * flow go back through their {@link UdpForwarder} instead.
 */
final class UdpProxy {
    private static final int RECEIVE_BATCH = 64;

    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;
    private final EventLoop loop;
    private final LongMap<UdpSession> sessions = new LongMap<>(64);
    private final LongMap<UdpForwarder.Flow> flows = new LongMap<>(16);
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65536).order(ByteOrder.BIG_ENDIAN);
    private final AddressMap addresses;

    UdpProxy(UserNetConfig config, GuestLink link, NetStats stats, EventLoop loop) {
        this.config = config;
        this.link = link;
        this.stats = stats;
        this.loop = loop;
        this.addresses = new AddressMap(config);
    }

    EventLoop loop() {
        return loop;
    }

    GuestLink link() {
        return link;
    }

    LongMap<UdpForwarder.Flow> flows() {
        return flows;
    }

    InetAddress hostAddress(int address) {
        return addresses.hostAddress(address);
    }

    int guestVisible(InetAddress host) {
        return addresses.guestVisible(host);
    }

    static long sessionKey(int guestAddress, int guestPort) {
        return (guestAddress & 0xFFFF_FFFFL) << 16 | guestPort;
    }

    static long flowKey(int guestPort, int remoteAddress, int remotePort) {
        return (long) guestPort << 48 | (long) remotePort << 32 | (remoteAddress & 0xFFFF_FFFFL);
    }

    /** A datagram from the guest: {@code length} payload bytes at {@code at}. */
    NetCounter send(ByteBuffer f, int at, int length, int source, int sourcePort, int destination, int destinationPort, long now) {
        f.limit(at + length).position(at);
        UdpForwarder.Flow flow = flows.get(flowKey(sourcePort, destination, destinationPort));
        if (flow != null && flow.guestAddress == source) {
            flow.lastActive = now;
            return flow.forwarder.reply(flow, f) ? NetCounter.ACCEPTED : NetCounter.UDP_HOST_BUSY;
        }
        long key = sessionKey(source, sourcePort);
        UdpSession s = sessions.get(key);
        if (s == null) {
            s = open(key, source, sourcePort, now);
            if (s == null) {
                return NetCounter.UDP_LIMIT;
            }
        }
        s.lastActive = now;
        return s.send(f, destination, destinationPort) ? NetCounter.ACCEPTED : NetCounter.UDP_HOST_BUSY;
    }

    private UdpSession open(long key, int guestAddress, int guestPort, long now) {
        if (sessions.size() >= config.limits().udpSessions()) {
            evictLeastRecent();
        }
        DatagramChannel channel = null;
        try {
            channel = DatagramChannel.open();
            channel.bind(null);
            UdpSession s = new UdpSession(key, guestAddress, guestPort, this, channel);
            s.registered(loop.register(channel, SelectionKey.OP_READ, s));
            s.lastActive = now;
            sessions.put(key, s);
            stats.increment(NetCounter.UDP_OPENED);
            loop.schedule(now + config.limits().udpIdle().toNanos());
            return s;
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Already failing; the descriptor is released either way.
                }
            }
            return null;
        }
    }

    private void evictLeastRecent() {
        UdpSession oldest = null;
        for (int i = 0; i < sessions.slots(); i++) {
            UdpSession s = sessions.valueAt(i);
            if (s != null && (oldest == null || s.lastActive - oldest.lastActive < 0)) {
                oldest = s;
            }
        }
        if (oldest != null) {
            close(oldest);
        }
    }

    private void close(UdpSession s) {
        sessions.remove(s.key);
        s.close();
        stats.increment(NetCounter.UDP_CLOSED);
    }

    /** Relays what a session's host socket received, unless the guest is full. */
    void receive(UdpSession s, DatagramChannel channel) {
        for (int i = 0; i < RECEIVE_BATCH; i++) {
            if (link.blocked()) {
                s.pause();
                return;
            }
            SocketAddress from;
            try {
                from = channel.receive(buffer.clear());
            } catch (IOException e) {
                return;     // an ICMP error from an earlier send; the next datagram may be fine
            }
            if (from == null) {
                return;
            }
            InetSocketAddress sender = (InetSocketAddress) from;
            int visible = guestVisible(sender.getAddress());
            if (visible == 0) {
                stats.increment(NetCounter.UDP_TO_GUEST_DROPPED);
                continue;
            }
            s.lastActive = System.nanoTime();
            link.sendUdp(visible, sender.getPort(), s.guestAddress, s.guestPort, buffer, 0, buffer.position());
        }
    }

    /** Closes sessions and flows idle for longer than the limit. */
    void expire(long now) {
        long idle = config.limits().udpIdle().toNanos();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < sessions.slots(); i++) {
            UdpSession s = sessions.valueAt(i);
            if (s == null) {
                continue;
            }
            if (now - s.lastActive >= idle) {
                close(s);
                i--;    // removal may have moved a later entry into this slot
            } else {
                next = Math.min(next, s.lastActive + idle);
            }
        }
        for (int i = 0; i < flows.slots(); i++) {
            UdpForwarder.Flow f = flows.valueAt(i);
            if (f == null) {
                continue;
            }
            if (now - f.lastActive >= idle) {
                flows.remove(f.key);
                i--;
            } else {
                next = Math.min(next, f.lastActive + idle);
            }
        }
        if (next != Long.MAX_VALUE) {
            loop.schedule(next);
        }
    }

    int sessionCount() {
        return sessions.size();
    }

    void close() {
        for (int i = 0; i < sessions.slots(); i++) {
            UdpSession s = sessions.valueAt(i);
            if (s != null) {
                s.close();
            }
        }
        sessions.clear();
        flows.clear();
    }
}
