package jvisor.net.user;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import jvisor.net.wire.Ipv4;

/**
 * One guest UDP source port and the host socket that speaks for it, as the guest's kernel would
 * have one socket per port: datagrams go to any destination, answers from anyone come back with
 * their sender as the source the guest sees (the host's loopback as the gateway).
 */
final class UdpSession implements EventLoop.Handler, GuestLink.Waiter {
    final long key;
    final int guestAddress;
    final int guestPort;
    private final UdpProxy proxy;
    private final DatagramChannel channel;
    private SelectionKey selectionKey;
    long lastActive;
    /** The last destination, kept so that a stream of datagrams to one peer allocates no address per datagram. */
    private int lastAddress;
    private int lastPort;
    private InetSocketAddress lastTarget;

    UdpSession(long key, int guestAddress, int guestPort, UdpProxy proxy, DatagramChannel channel) {
        this.key = key;
        this.guestAddress = guestAddress;
        this.guestPort = guestPort;
        this.proxy = proxy;
        this.channel = channel;
    }

    void registered(SelectionKey k) {
        selectionKey = k;
    }

    /** Sends the datagram between the buffer's position and limit; false if the host socket would not take it. */
    boolean send(ByteBuffer datagram, int address, int port) {
        if (lastTarget == null || address != lastAddress || port != lastPort) {
            lastTarget = new InetSocketAddress(proxy.hostAddress(address), port);
            lastAddress = address;
            lastPort = port;
        }
        try {
            return channel.send(datagram, lastTarget) > 0;
        } catch (IOException e) {
            return false;   // unreachable network, refused by an earlier ICMP error: a lost datagram
        }
    }

    @Override
    public void ready(SelectionKey k) {
        proxy.receive(this, channel);
    }

    /** Stops reading while the guest is full; the host socket's buffer holds (and bounds) what arrives meanwhile. */
    void pause() {
        proxy.loop().interest(selectionKey, 0);
        proxy.link().waitForRoom(this);
    }

    @Override
    public void linkReady() {
        if (channel.isOpen()) {
            proxy.loop().interest(selectionKey, SelectionKey.OP_READ);
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // The descriptor is released either way.
        }
    }

    @Override
    public String toString() {
        return "udp " + Ipv4.format(guestAddress) + ":" + guestPort;
    }
}
