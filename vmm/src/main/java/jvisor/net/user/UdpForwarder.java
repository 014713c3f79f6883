package jvisor.net.user;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import jvisor.net.HostForward;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;

/**
 * A {@code hostfwd=udp:...} rule: a host socket whose datagrams go to a port in the guest. Each
 * host client becomes a {@link Flow}; the guest sees it as coming from the client's address (the
 * gateway for the host's own loopback) and port, and its answers to that address and port go back
 * to the client through this socket.
 */
final class UdpForwarder implements EventLoop.Handler, GuestLink.Waiter {
    /** One host client of the rule. */
    static final class Flow {
        final long key;
        final UdpForwarder forwarder;
        final InetSocketAddress client;
        final int guestAddress;
        long lastActive;

        Flow(long key, UdpForwarder forwarder, InetSocketAddress client, int guestAddress) {
            this.key = key;
            this.forwarder = forwarder;
            this.client = client;
            this.guestAddress = guestAddress;
        }
    }

    private final HostForward rule;
    private final DatagramChannel channel;
    private final UdpProxy proxy;
    private final UserNetConfig config;
    private final NetStats stats;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65536).order(ByteOrder.BIG_ENDIAN);
    private SelectionKey key;
    private InetSocketAddress lastClient;
    private Flow lastFlow;

    UdpForwarder(HostForward rule, DatagramChannel boundChannel, UdpProxy proxy, UserNetConfig config, NetStats stats) {
        this.rule = rule;
        this.channel = boundChannel;
        this.proxy = proxy;
        this.config = config;
        this.stats = stats;
    }

    void register(EventLoop loop) throws IOException {
        key = loop.register(channel, SelectionKey.OP_READ, this);
    }

    HostForward rule() {
        return rule;
    }

    int guestAddress() {
        return rule.guestAddress() != 0 ? rule.guestAddress() : config.guestAddress();
    }

    @Override
    public void ready(SelectionKey k) {
        for (int i = 0; i < 64; i++) {
            if (proxy.link().blocked()) {
                proxy.loop().interest(key, 0);
                proxy.link().waitForRoom(this);
                return;
            }
            SocketAddress from;
            try {
                from = channel.receive(buffer.clear());
            } catch (IOException e) {
                return;
            }
            if (from == null) {
                return;
            }
            Flow flow = flowFor((InetSocketAddress) from);
            if (flow == null) {
                stats.increment(NetCounter.UDP_TO_GUEST_DROPPED);
                continue;
            }
            flow.lastActive = System.nanoTime();
            int visible = (int) flow.key;
            int port = (int) (flow.key >>> 32) & 0xFFFF;
            proxy.link().sendUdp(visible, port, flow.guestAddress, rule.guestPort(), buffer, 0, buffer.position());
        }
    }

    private Flow flowFor(InetSocketAddress client) {
        if (client.equals(lastClient) && lastFlow != null && proxy.flows().get(lastFlow.key) == lastFlow) {
            return lastFlow;
        }
        int visible = proxy.guestVisible(client.getAddress());
        if (visible == 0) {
            return null;
        }
        long k = UdpProxy.flowKey(rule.guestPort(), visible, client.getPort());
        Flow flow = proxy.flows().get(k);
        if (flow == null || !flow.client.equals(client) || flow.forwarder != this) {
            if (flow == null && proxy.flows().size() >= config.limits().udpSessions()) {
                return null;
            }
            flow = new Flow(k, this, client, guestAddress());
            proxy.flows().put(k, flow);
            proxy.loop().schedule(System.nanoTime() + config.limits().udpIdle().toNanos());
        }
        lastClient = client;
        lastFlow = flow;
        return flow;
    }

    /** The guest's answer, between the buffer's position and limit, to the flow's client. */
    boolean reply(Flow flow, ByteBuffer datagram) {
        try {
            return channel.send(datagram, flow.client) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void linkReady() {
        if (channel.isOpen()) {
            proxy.loop().interest(key, SelectionKey.OP_READ);
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // The descriptor is released either way.
        }
    }
}
