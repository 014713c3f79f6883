package jvisor.net.user;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.boot.BadInputException;
import jvisor.net.GuestPort;
import jvisor.net.HostForward;
import jvisor.net.NetCounter;
import jvisor.net.NetOptions;
import jvisor.net.NetStats;
import jvisor.net.NetworkBackend;
import jvisor.net.TxOffload;

/**
 * {@code --net user}: a network stack in the VMM, QEMU's user networking without its code. The
 * guest sees a router at 10.0.2.2 with DHCP, DNS at 10.0.2.3 and ICMP echo; its TCP and UDP end
 * here and continue over ordinary host sockets, so no privilege is needed.
 *
 * <p>Threads: the device's TX thread runs {@link #transmit} under the stack's lock and may get
 * replies delivered before it returns; the stack's own thread ({@link EventLoop}, "jvisor-net")
 * waits on the host sockets and takes the same lock for each event. Nothing blocks on the host
 * network: every socket is non-blocking.
 */
public final class UserNetwork implements NetworkBackend {
    private static final long LINK_RETRY_NANOS = 200_000_000L;

    private final UserNetConfig config;
    private final NetStats stats = new NetStats();
    private final ReentrantLock lock = new ReentrantLock();
    private final EventLoop loop = new EventLoop(lock);
    private final GuestLink link;
    private final DnsForwarder dns;
    private final UdpProxy udp;
    private final TcpProxy tcp;
    private final GuestFrames frames;
    private final List<TcpForwarder> tcpForwarders = new ArrayList<>();
    private final List<UdpForwarder> udpForwarders = new ArrayList<>();
    private final AtomicBoolean room = new AtomicBoolean();
    private final ByteBuffer copy = ByteBuffer.allocateDirect(GuestLink.MAX_FRAME).order(ByteOrder.BIG_ENDIAN);
    private volatile boolean closed;
    private boolean started;
    private boolean bugReported;

    private UserNetwork(UserNetConfig config) {
        this.config = config;
        link = new GuestLink(stats, config.limits(), config.gatewayMac());
        dns = new DnsForwarder(config, link, stats, loop);
        udp = new UdpProxy(config, link, stats, loop);
        tcp = new TcpProxy(config, link, stats, loop, dns);
        frames = new GuestFrames(config, link, new ArpResponder(config, link, stats), new DhcpServer(config, link, stats),
                dns, new IcmpResponder(config, link, stats), udp, tcp);
        loop.onBug(this::bug);
    }

    /** The stack for {@code --net user}: QEMU's addresses, the host's resolvers, default limits. */
    public static UserNetwork open(NetOptions.User options) {
        return open(UserNetConfig.standard(options.forwards(), HostResolvers.read(HostResolvers.RESOLV_CONF), NetLimits.DEFAULT));
    }

    /** Opens the stack and binds every {@code hostfwd} socket; a port in use is a {@link BadInputException}. */
    public static UserNetwork open(UserNetConfig config) {
        UserNetwork n = new UserNetwork(config);
        try {
            for (HostForward f : config.forwards()) {
                n.bind(f);
            }
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void bind(HostForward f) {
        InetSocketAddress at = new InetSocketAddress(f.hostAddress(), f.hostPort());
        NetworkChannel channel = null;
        try {
            lock.lock();
            try {
                if (f.protocol() == HostForward.Protocol.TCP) {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    channel = s;
                    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    s.bind(at);
                    TcpForwarder t = new TcpForwarder(f, s, tcp, new AddressMap(config));
                    t.register(loop);
                    tcpForwarders.add(t);
                } else {
                    DatagramChannel d = DatagramChannel.open();
                    channel = d;
                    d.bind(at);
                    UdpForwarder u = new UdpForwarder(f, d, udp, config, stats);
                    u.register(loop);
                    udpForwarders.add(u);
                }
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BadInputException(NetOptions.OPTION + " " + f + ": " + bindProblem(f, e));
        }
    }

    private static String bindProblem(HostForward f, IOException e) {
        String where = "host port " + f.hostPort() + " on " + (f.hostAddress().isAnyLocalAddress() ? "all addresses" : f.hostAddress().getHostAddress());
        String message = String.valueOf(e.getMessage());
        if (e instanceof BindException && message.contains("in use")) {
            return where + " is in use; pick another port or stop what listens there";
        }
        if (e instanceof BindException && message.contains("ermission")) {
            return where + ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); pick a port from 1024 up";
        }
        if (e instanceof BindException || e instanceof SocketException) {
            return where + " cannot be bound (" + message + "); is the address one of this host's?";
        }
        return where + " cannot be opened: " + message;
    }

    private static void closeQuietly(NetworkChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // Released either way.
            }
        }
    }

    public UserNetConfig config() {
        return config;
    }

    @Override
    public void start(GuestPort guest) {
        lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("started twice");
            }
            started = true;
            link.attach(guest);
        } finally {
            lock.unlock();
        }
        loop.start(this::tick, "jvisor-net");
    }

    @Override
    public void transmit(ByteBuffer frame, TxOffload offload) {
        if (closed) {
            return;
        }
        int length = frame.remaining();
        boolean wake;
        lock.lock();
        try {
            stats.increment(NetCounter.FROM_GUEST);
            stats.add(NetCounter.FROM_GUEST_BYTES, length);
            NetCounter result;
            if (length > GuestLink.MAX_FRAME) {
                result = NetCounter.OVERSIZE;
            } else {
                ByteBuffer f = frame;
                if (frame.position() != 0) {
                    // The parsers read at offsets from the frame's start; a rare offset frame is copied there.
                    copy.clear().put(0, frame, frame.position(), length).limit(length);
                    f = copy;
                } 
                try {
                    result = frames.frame(f, offload, System.nanoTime());
                } catch (RuntimeException e) {
                    bug(e);
                    result = NetCounter.INTERNAL_ERROR;
                }
            }
            stats.increment(result);
            wake = loop.takeWakeupNeeded();
        } finally {
            lock.unlock();
        }
        if (wake) {
            loop.wakeup();
        }
    }

    @Override
    public void receiveSpaceAvailable() {
        room.set(true);
        loop.wakeup();
    }

    /** The loop's work after each wake-up: flush to a guest that has room, run due timers. */
    private void tick(long now, boolean timersDue) {
        if (room.getAndSet(false) || (timersDue && link.blocked())) {
            link.flush();
        }
        if (timersDue) {
            tcp.timers(now);
            udp.expire(now);
            dns.expire(now);
        }
        if (link.blocked()) {
            // The device promises receiveSpaceAvailable; a retry now and then costs little if it is ever late.
            loop.schedule(now + LINK_RETRY_NANOS);
        }
    }

    private void bug(RuntimeException e) {
        stats.increment(NetCounter.INTERNAL_ERROR);
        if (!bugReported) {
            bugReported = true;
            System.err.println("jvisor net: internal error in the user-mode stack (counted, the frame dropped): " + e);
            e.printStackTrace();
        }
    }

    @Override
    public NetStats stats() {
        return stats;
    }

    /** Open TCP connections, for tests and the monitor. */
    public int tcpConnections() {
        lock.lock();
        try {
            return tcp.connections();
        } finally {
            lock.unlock();
        }
    }

    /** The TCP connections and the link to the guest, one line each, for the monitor. */
    public String describe() {
        lock.lock();
        try {
            return "guest link " + (link.blocked() ? "blocked" : "ready") + "\n" + tcp.describe();
        } finally {
            lock.unlock();
        }
    }

    /** Open UDP sessions. */
    public int udpSessions() {
        lock.lock();
        try {
            return udp.sessionCount();
        } finally {
            lock.unlock();
        }
    }

    /** The stack's own thread, for tests that measure what it allocates. */
    Thread loopThread() {
        return loop.thread();
    }

    /** Bytes of direct memory the TCP buffers hold. */
    public long tcpBufferBytes() {
        lock.lock();
        try {
            return tcp.pool().allocated();
        } finally {
            lock.unlock();
        }
    }

    /** Frames waiting for the guest to post receive buffers. */
    public boolean guestBlocked() {
        lock.lock();
        try {
            return link.blocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.close();
        lock.lock();
        try {
            tcp.close();
            udp.close();
            dns.close();
            tcpForwarders.forEach(TcpForwarder::close);
            udpForwarders.forEach(UdpForwarder::close);
        } finally {
            lock.unlock();
        }
    }
}
