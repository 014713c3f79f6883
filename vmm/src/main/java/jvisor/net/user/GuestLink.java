package jvisor.net.user;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import jvisor.net.GuestPort;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.RxOffload;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Udp;

/**
 * The stack's wire to the guest: one reusable buffer frames are built in, and a bounded queue for
 * the frames that must not be lost when the guest has no receive buffer (ARP, DHCP, DNS and UDP
 * replies, TCP acknowledgements). TCP data is never queued here: it stays in its connection's
 * buffer, and the connection waits for {@link #waitForRoom} to call it back.
 */
final class GuestLink {
    /** Anything that waits for the guest to take frames again. */
    interface Waiter {
        void linkReady();
    }

    private record Queued(ByteBuffer frame, RxOffload offload) { }

    static final int MAX_FRAME = Ethernet.HEADER + 65535;
    /** Where a UDP payload starts in a frame without IP options. */
    static final int UDP_PAYLOAD = Ethernet.HEADER + Ipv4.HEADER + Udp.HEADER;

    private final NetStats stats;
    private final NetLimits limits;
    private final long gatewayMac;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(MAX_FRAME).order(ByteOrder.BIG_ENDIAN);
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private GuestPort port;
    private long guestMac;
    private int queuedBytes;
    private boolean blocked;
    private int ipId;

    GuestLink(NetStats stats, NetLimits limits, long gatewayMac) {
        this.stats = stats;
        this.limits = limits;
        this.gatewayMac = gatewayMac;
    }

    void attach(GuestPort guest) {
        port = guest;
        guestMac = guest.mac().bits();
    }

    long gatewayMac() {
        return gatewayMac;
    }

    long guestMac() {
        return guestMac;
    }

    /** Follows the guest's own source address, in case it changed the one the NIC started with. */
    void learnGuestMac(long mac) {
        guestMac = mac;
    }

    /**
     * The largest frame the guest takes in one piece (a large TCP segment when above 1514). Asked
     * each time: a guest that resets its NIC may negotiate other offloads.
     */
    int maxSegment() {
        return port == null ? GuestPort.ETHERNET_FRAME
                : Math.min(MAX_FRAME, Math.max(GuestPort.ETHERNET_FRAME, port.maxReceiveSegment()));
    }

    boolean largeSegments() {
        return maxSegment() > GuestPort.ETHERNET_FRAME;
    }

    /** The frame buffer, cleared; build a frame in it, then {@link #send} or {@link #offer} it. */
    ByteBuffer frame() {
        return frame.clear();
    }

    int nextIpId() {
        return ipId++ & 0xFFFF;
    }

    /** Whether a frame offered now goes straight to the guest. */
    boolean ready() {
        return port != null && !blocked && queue.isEmpty();
    }

    /** Writes the Ethernet and IPv4 headers of a frame to the guest; returns where the IP payload starts. */
    int writeIpv4(int ipLength, int protocol, int source, int destination) {
        return writeIpv4(guestMac, ipLength, protocol, source, destination);
    }

    /** The same, to another MAC address (a DHCP broadcast). */
    int writeIpv4(long destinationMac, int ipLength, int protocol, int source, int destination) {
        Ethernet.writeHeader(frame, destinationMac, gatewayMac, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(frame, Ethernet.HEADER, ipLength, nextIpId(), Ipv4.DONT_FRAGMENT, protocol, source, destination);
        return Ethernet.HEADER + Ipv4.HEADER;
    }

    /** Delivers the frame built in {@link #frame}, or keeps a copy (bounded) while the guest is full. */
    void send(int length, RxOffload offload) {
        if (ready() && deliver(length, offload)) {
            return;
        }
        if (queue.size() >= limits.guestQueueFrames() || queuedBytes + length > limits.guestQueueBytes() || port == null) {
            stats.increment(NetCounter.TO_GUEST_DROPPED);
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(length);
        copy.put(0, frame, 0, length);
        queue.addLast(new Queued(copy, offload));
        queuedBytes += length;
    }

    /** Delivers the frame now or not at all; false means the caller keeps its data and waits for room. */
    boolean offer(int length, RxOffload offload) {
        return ready() && deliver(length, offload);
    }

    private boolean deliver(int length, RxOffload offload) {
        frame.limit(length).position(0);
        if (!port.receive(frame, offload)) {
            blocked = true;
            stats.increment(NetCounter.GUEST_FULL);
            return false;
        }
        stats.increment(NetCounter.TO_GUEST);
        stats.add(NetCounter.TO_GUEST_BYTES, length);
        return true;
    }

    /** Calls {@code w} back once when the guest takes frames again. */
    void waitForRoom(Waiter w) {
        waiters.addLast(w);
    }

    boolean blocked() {
        return blocked || !queue.isEmpty();
    }

    /** The guest posted buffers: sends what was queued, then lets the waiters send. */
    void flush() {
        if (port == null) {
            return;
        }
        blocked = false;
        while (!queue.isEmpty()) {
            Queued q = queue.peekFirst();
            ByteBuffer f = q.frame().clear();
            if (!port.receive(f, q.offload())) {
                blocked = true;
                stats.increment(NetCounter.GUEST_FULL);
                return;
            }
            queue.pollFirst();
            queuedBytes -= f.capacity();
            stats.increment(NetCounter.TO_GUEST);
            stats.add(NetCounter.TO_GUEST_BYTES, f.capacity());
        }
        for (int n = waiters.size(); n > 0 && ready(); n--) {
            waiters.pollFirst().linkReady();
        }
    }

    /**
     * Sends a UDP datagram whose {@code length} payload bytes were built in place at
     * {@link #UDP_PAYLOAD}; the caller kept it within one MTU.
     */
    void sendUdpInPlace(int source, int sourcePort, int destination, int destinationPort, int length) {
        sendUdpInPlace(guestMac, source, sourcePort, destination, destinationPort, length);
    }

    void sendUdpInPlace(long destinationMac, int source, int sourcePort, int destination, int destinationPort, int length) {
        int udpLength = Udp.HEADER + length;
        int l4 = writeIpv4(destinationMac, Ipv4.HEADER + udpLength, Ipv4.PROTOCOL_UDP, source, destination);
        writeUdpHeader(l4, source, sourcePort, destination, destinationPort, udpLength);
        send(Ethernet.HEADER + Ipv4.HEADER + udpLength, RxOffload.DATA_VALID);
    }

    /**
     * Sends a UDP datagram copied from {@code data}, in IP fragments when it exceeds the MTU (a
     * resolver's answer can be 4 KiB; the guest reassembles).
     */
    void sendUdp(int source, int sourcePort, int destination, int destinationPort, ByteBuffer data, int offset, int length) {
        int udpLength = Udp.HEADER + length;
        if (udpLength > 65535 - Ipv4.HEADER) {
            stats.increment(NetCounter.UDP_TO_GUEST_DROPPED);
            return;
        }
        if (Ipv4.HEADER + udpLength <= Ethernet.MTU) {
            frame.clear().put(UDP_PAYLOAD, data, offset, length);
            sendUdpInPlace(source, sourcePort, destination, destinationPort, length);
            return;
        }
        long sum = Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, udpLength)
                + sourcePort + destinationPort + udpLength + Checksum.sum(data, offset, length);
        int checksum = Checksum.finish(sum);
        int id = nextIpId();
        int perFragment = (Ethernet.MTU - Ipv4.HEADER) & ~7;
        for (int sent = 0; sent < udpLength; sent += perFragment) {
            int piece = Math.min(perFragment, udpLength - sent);
            int flags = (sent + piece < udpLength ? Ipv4.MORE_FRAGMENTS : 0) | (sent >>> 3);
            frame.clear();
            Ethernet.writeHeader(frame, guestMac, gatewayMac, Ethernet.TYPE_IPV4);
            Ipv4.writeHeader(frame, Ethernet.HEADER, Ipv4.HEADER + piece, id, flags, Ipv4.PROTOCOL_UDP, source, destination);
            int at = Ethernet.HEADER + Ipv4.HEADER;
            int fromData = piece;
            if (sent == 0) {
                Bytes.put16(frame, at + Udp.SOURCE_PORT, sourcePort);
                Bytes.put16(frame, at + Udp.DESTINATION_PORT, destinationPort);
                Bytes.put16(frame, at + Udp.LENGTH, udpLength);
                Bytes.put16(frame, at + Udp.CHECKSUM, checksum == 0 ? 0xFFFF : checksum);
                at += Udp.HEADER;
                fromData -= Udp.HEADER;
                frame.put(at, data, offset, fromData);
            } else {
                frame.put(at, data, offset + sent - Udp.HEADER, fromData);
            }
            send(Ethernet.HEADER + Ipv4.HEADER + piece, RxOffload.DATA_VALID);
        }
    }

    private void writeUdpHeader(int l4, int source, int sourcePort, int destination, int destinationPort, int udpLength) {
        Bytes.put16(frame, l4 + Udp.SOURCE_PORT, sourcePort);
        Bytes.put16(frame, l4 + Udp.DESTINATION_PORT, destinationPort);
        Bytes.put16(frame, l4 + Udp.LENGTH, udpLength);
        Bytes.put16(frame, l4 + Udp.CHECKSUM, 0);
        long sum = Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, udpLength) + Checksum.sum(frame, l4, udpLength);
        int c = Checksum.finish(sum);
        // A computed zero is sent as all ones: zero means "no checksum" in UDP.
        Bytes.put16(frame, l4 + Udp.CHECKSUM, c == 0 ? 0xFFFF : c);
    }
}
