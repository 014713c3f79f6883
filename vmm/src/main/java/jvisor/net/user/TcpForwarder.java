package jvisor.net.user;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import jvisor.net.HostForward;

/**
 * A {@code hostfwd=tcp:...} rule: a listening host socket whose clients become connections that
 * the stack opens toward a port in the guest. The guest sees each client as its own address (the
 * gateway for the host's loopback) and port.
 */
final class TcpForwarder implements EventLoop.Handler {
    private static final int ACCEPT_BATCH = 64;

    private final HostForward rule;
    private final ServerSocketChannel channel;
    private final TcpProxy tcp;
    private final AddressMap addresses;

    TcpForwarder(HostForward rule, ServerSocketChannel boundChannel, TcpProxy tcp, AddressMap addresses) {
        this.rule = rule;
        this.channel = boundChannel;
        this.tcp = tcp;
        this.addresses = addresses;
    }

    void register(EventLoop loop) throws IOException {
        loop.register(channel, SelectionKey.OP_ACCEPT, this);
    }

    @Override
    public void ready(SelectionKey key) {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            SocketChannel client;
            try {
                client = channel.accept();
            } catch (IOException e) {
                return;     // the client went away between readiness and accept
            }
            if (client == null) {
                return;
            }
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) client.getRemoteAddress();
            } catch (IOException e) {
                from = null;
            }
            int visible = from == null ? 0 : addresses.guestVisible(from.getAddress());
            if (visible == 0) {
                try {
                    client.close();
                } catch (IOException e) {
                    // Released either way.
                }
                continue;
            }
            int guest = rule.guestAddress() != 0 ? rule.guestAddress() : tcp.config().guestAddress();
            tcp.accepted(client, visible, from.getPort(), guest, rule.guestPort(), System.nanoTime());
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Released either way.
        }
    }
}
