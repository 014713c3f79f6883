package jvisor.net.guestsim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.NetworkBackend;
import jvisor.net.RxOffload;
import jvisor.net.TxOffload;
import jvisor.net.wire.Arp;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Checksum;
import jvisor.net.wire.Ethernet;
import jvisor.net.wire.Icmp;
import jvisor.net.wire.Ipv4;
import jvisor.net.wire.Tcp;
import jvisor.net.wire.Udp;

/**
 * A guest in Java: a {@link GuestPort} with a small IPv4 stack behind it (ARP, ICMP echo, UDP,
 * a DHCP client and {@link SimTcp}), so that tests and benchmarks can drive a
 * {@link NetworkBackend} the way a guest's kernel would, without a VM. It receives into a fixed
 * number of posted buffers, processes them on its own thread (the "guest CPU"), and can be made
 * slow or lossy with {@link SimOptions}.
 *
 * <p>Locks: {@link #lock} guards the stack's state and is held while transmitting; the receive
 * ring has its own monitor, because the backend delivers from its thread and from inside
 * {@code transmit}.
 */
public final class SimGuest implements GuestPort, AutoCloseable {
    private record Rx(ByteBuffer buffer, int length, RxOffload offload) { }

    /** A UDP datagram the guest received. */
    public record Datagram(int sourceAddress, int sourcePort, byte[] data) { }

    static final int MAX_FRAME = 14 + 65535;

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final SimOptions options;
    private final NetworkBackend backend;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<Rx> received = new ArrayDeque<>();
    private boolean signalWanted;
    private final SplittableRandom random;
    private final ByteBuffer tx = ByteBuffer.allocateDirect(MAX_FRAME).order(ByteOrder.BIG_ENDIAN);
    private final TxOffload txOffload = new TxOffload();
    private final Thread thread;
    private volatile boolean running = true;

    int address;
    long gatewayMac = MacAddress.BROADCAST.bits();
    private final Map<Long, SimTcp> connections = new HashMap<>();
    private final Map<Integer, ArrayDeque<SimTcp>> listeners = new HashMap<>();
    private final Map<Integer, ArrayDeque<Datagram>> udpPorts = new HashMap<>();
    private final Map<Integer, Long> arpTable = new HashMap<>();
    private final ArrayDeque<Integer> echoReplies = new ArrayDeque<>();
    private final Fragments fragments = new Fragments(this);
    private int nextPort = 40000;
    private int ipId;
    private long framesReceived;
    private long framesLost;
    private long checksumErrors;
    private long largeSegments;
    private long unexpected;

    /** Starts the backend toward this guest and the guest's own thread. */
    public SimGuest(NetworkBackend backend, SimOptions options) {
        this.backend = backend;
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        for (int i = 0; i < options.receiveBuffers(); i++) {
            free.add(ByteBuffer.allocate(options.maxReceiveSegment()).order(ByteOrder.BIG_ENDIAN));
        }
        backend.start(this);
        thread = Thread.ofPlatform().daemon().name("sim-guest").start(this::run);
    }

    // ---- GuestPort: called by the backend -----------------------------------------------------

    @Override
    public boolean receive(ByteBuffer frame, RxOffload offload) {
        int length = frame.remaining();
        synchronized (received) {
            if (length > options.maxReceiveSegment() || (offload.largeSegment() && !options.largeReceive())) {
                unexpected++;
                return true;
            }
            ByteBuffer b = free.pollFirst();
            if (b == null) {
                signalWanted = true;
                return false;
            }
            b.clear().put(0, frame, frame.position(), length);
            received.addLast(new Rx(b, length, offload));
            received.notifyAll();
            return true;
        }
    }

    @Override
    public int maxReceiveSegment() {
        return options.maxReceiveSegment();
    }

    @Override
    public MacAddress mac() {
        return options.mac();
    }

    // ---- The guest's thread ------------------------------------------------------------------

    private void run() {
        ArrayDeque<Rx> batch = new ArrayDeque<>();
        long nextTimer = System.nanoTime();
        while (running) {
            synchronized (received) {
                if (received.isEmpty()) {
                    try {
                        received.wait(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                for (int i = 0; i < 64 && !received.isEmpty(); i++) {
                    batch.addLast(received.pollFirst());
                }
            }
            lock.lock();
            try {
                for (Rx rx : batch) {
                    if (options.dropRate() > 0 && random.nextDouble() < options.dropRate()) {
                        framesLost++;
                        continue;
                    }
                    framesReceived++;
                    frame(rx.buffer(), rx.length(), rx.offload());
                }
                long now = System.nanoTime();
                if (now - nextTimer >= 0) {
                    for (SimTcp c : connections.values().toArray(SimTcp[]::new)) {
                        c.timer(now);
                    }
                    nextTimer = now + 5_000_000L;
                }
            } finally {
                lock.unlock();
            }
            if (options.processNanos() > 0 && !batch.isEmpty()) {
                LockSupport.parkNanos(options.processNanos() * batch.size());
            }
            boolean signal;
            synchronized (received) {
                for (Rx rx : batch) {
                    free.addLast(rx.buffer());
                }
                signal = signalWanted && !batch.isEmpty();
                if (signal) {
                    signalWanted = false;
                }
            }
            batch.clear();
            if (signal) {
                backend.receiveSpaceAvailable();
            }
        }
    }

    private void frame(ByteBuffer f, int length, RxOffload offload) {
        if (length < Ethernet.HEADER) {
            unexpected++;
            return;
        }
        long destination = MacAddress.readBits(f, 0);
        if (destination != options.mac().bits() && destination != MacAddress.BROADCAST.bits()) {
            unexpected++;
            return;
        }
        switch (Bytes.u16(f, Ethernet.TYPE)) {
            case Ethernet.TYPE_ARP -> arp(f, length);
            case Ethernet.TYPE_IPV4 -> ipv4(f, length, offload);
            default -> unexpected++;
        }
    }

    private void arp(ByteBuffer f, int length) {
        int a = Ethernet.HEADER;
        if (length < a + Arp.LENGTH || Bytes.u16(f, a + Arp.OPERATION) != Arp.REPLY) {
            unexpected++;
            return;
        }
        arpTable.put(Bytes.u32(f, a + Arp.SENDER_IP), MacAddress.readBits(f, a + Arp.SENDER_MAC));
        changed.signalAll();
    }

    private void ipv4(ByteBuffer f, int length, RxOffload offload) {
        int ip = Ethernet.HEADER;
        int ihl = (Bytes.u8(f, ip) & 0xF) * 4;
        int total = Bytes.u16(f, ip + Ipv4.TOTAL_LENGTH);
        if (ihl < 20 || total > length - ip || !Checksum.verifies(Checksum.sum(f, ip, ihl))) {
            checksumErrors++;
            return;
        }
        if ((Bytes.u16(f, ip + Ipv4.FLAGS_FRAGMENT) & (Ipv4.MORE_FRAGMENTS | Ipv4.FRAGMENT_OFFSET)) != 0) {
            fragments.add(f, ip, total);
            return;
        }
        int source = Bytes.u32(f, ip + Ipv4.SOURCE);
        int destination = Bytes.u32(f, ip + Ipv4.DESTINATION);
        int l4 = ip + ihl;
        int l4Length = total - ihl;
        switch (Bytes.u8(f, ip + Ipv4.PROTOCOL)) {
            case Ipv4.PROTOCOL_ICMP -> icmp(f, l4, l4Length);
            case Ipv4.PROTOCOL_UDP -> udp(f, l4, l4Length, source, destination);
            case Ipv4.PROTOCOL_TCP -> tcp(f, l4, l4Length, source, destination, offload);
            default -> unexpected++;
        }
    }

    private void icmp(ByteBuffer f, int at, int length) {
        if (length < Icmp.HEADER || !Checksum.verifies(Checksum.sum(f, at, length))) {
            checksumErrors++;
            return;
        }
        if (Bytes.u8(f, at) == Icmp.ECHO_REPLY) {
            echoReplies.addLast(Bytes.u16(f, at + 4) << 16 | Bytes.u16(f, at + 6));
            changed.signalAll();
        }
    }

    void udp(ByteBuffer f, int at, int length, int source, int destination) {
        int udpLength = Bytes.u16(f, at + Udp.LENGTH);
        if (udpLength < Udp.HEADER || udpLength > length) {
            unexpected++;
            return;
        }
        if (Bytes.u16(f, at + Udp.CHECKSUM) != 0 && !Checksum.verifies(
                Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, udpLength) + Checksum.sum(f, at, udpLength))) {
            checksumErrors++;
            return;
        }
        ArrayDeque<Datagram> q = udpPorts.get(Bytes.u16(f, at + Udp.DESTINATION_PORT));
        if (q == null || q.size() >= 4096) {
            unexpected++;
            return;
        }
        byte[] data = new byte[udpLength - Udp.HEADER];
        f.get(at + Udp.HEADER, data);
        q.addLast(new Datagram(source, Bytes.u16(f, at + Udp.SOURCE_PORT), data));
        changed.signalAll();
    }

    private void tcp(ByteBuffer f, int at, int length, int source, int destination, RxOffload offload) {
        long pseudo = Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_TCP, length);
        boolean good = offload.checksumPartial()
                ? Bytes.u16(f, at + Tcp.CHECKSUM) == Checksum.fold(pseudo)
                : Checksum.verifies(pseudo + Checksum.sum(f, at, length));
        if (!good || length < Tcp.HEADER) {
            checksumErrors++;
            return;
        }
        if (offload.largeSegment()) {
            largeSegments++;
        }
        int sourcePort = Bytes.u16(f, at + Tcp.SOURCE_PORT);
        int destinationPort = Bytes.u16(f, at + Tcp.DESTINATION_PORT);
        int flags = Bytes.u8(f, at + Tcp.FLAGS);
        SimTcp c = connections.get(SimTcp.key(destinationPort, source, sourcePort));
        if (c == null && (flags & (Tcp.SYN | Tcp.ACK)) == Tcp.SYN && listeners.containsKey(destinationPort)) {
            c = new SimTcp(this, destinationPort, source, sourcePort);
            connections.put(c.key(), c);
            c.passiveOpen(f, at, length);
            listeners.get(destinationPort).addLast(c);
            changed.signalAll();
            return;
        }
        if (c == null) {
            if ((flags & Tcp.RST) == 0) {
                resetClosedPort(f, at, length, source, sourcePort, destinationPort, flags);
            }
            return;
        }
        c.input(f, at, length);
    }

    /** What a kernel answers a segment for no socket with (RFC 9293 3.10.7.1): a reset. */
    private void resetClosedPort(ByteBuffer f, int at, int length, int source, int sourcePort, int port, int flags) {
        boolean acked = (flags & Tcp.ACK) != 0;
        int dataLength = length - (Bytes.u8(f, at + Tcp.DATA_OFFSET) >>> 4) * 4;
        int seq = acked ? Bytes.u32(f, at + Tcp.ACKNOWLEDGEMENT) : 0;
        int ack = Bytes.u32(f, at + Tcp.SEQUENCE) + dataLength + ((flags & Tcp.SYN) != 0 ? 1 : 0) + ((flags & Tcp.FIN) != 0 ? 1 : 0);
        int t = ipHeader(gatewayMac, Ipv4.HEADER + Tcp.HEADER, Ipv4.PROTOCOL_TCP, address, source);
        Bytes.put16(tx, t + Tcp.SOURCE_PORT, port);
        Bytes.put16(tx, t + Tcp.DESTINATION_PORT, sourcePort);
        Bytes.put32(tx, t + Tcp.SEQUENCE, seq);
        Bytes.put32(tx, t + Tcp.ACKNOWLEDGEMENT, acked ? 0 : ack);
        Bytes.put8(tx, t + Tcp.DATA_OFFSET, 5 << 4);
        Bytes.put8(tx, t + Tcp.FLAGS, Tcp.RST | (acked ? 0 : Tcp.ACK));
        Bytes.put16(tx, t + Tcp.WINDOW, 0);
        Bytes.put16(tx, t + Tcp.CHECKSUM, 0);
        Bytes.put16(tx, t + Tcp.URGENT, 0);
        Bytes.put16(tx, t + Tcp.CHECKSUM, Checksum.finish(
                Checksum.pseudoHeader(address, source, Ipv4.PROTOCOL_TCP, Tcp.HEADER) + Checksum.sum(tx, t, Tcp.HEADER)));
        transmit(t + Tcp.HEADER, offload());
    }

    // ---- Sending -----------------------------------------------------------------------------

    /** The transmit buffer; the caller holds the lock. */
    ByteBuffer tx() {
        return tx.clear();
    }

    int nextIpId() {
        return ipId++ & 0xFFFF;
    }

    /** Starts a frame in the transmit buffer with Ethernet and IPv4 headers; returns the transport offset. */
    int ipHeader(long destinationMac, int ipLength, int protocol, int source, int destination) {
        tx.clear();
        Ethernet.writeHeader(tx, destinationMac, options.mac().bits(), Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(tx, Ethernet.HEADER, ipLength, nextIpId(), 0, protocol, source, destination);
        return Ethernet.HEADER + Ipv4.HEADER;
    }

    /** Hands the frame in the transmit buffer to the backend, as the device's TX path would. */
    void transmit(int length, TxOffload offload) {
        backend.transmit(tx.limit(length).position(0), offload);
    }

    TxOffload offload() {
        return txOffload.clear();
    }

    // ---- What tests and benchmarks call ------------------------------------------------------

    /** Sets the guest's address, as a static configuration or DHCP would. */
    public void configure(int guestAddress, long gatewayMacAddress) {
        lock.lock();
        try {
            address = guestAddress;
            gatewayMac = gatewayMacAddress;
        } finally {
            lock.unlock();
        }
    }

    public int address() {
        return address;
    }

    /** Runs DHCP (DISCOVER, OFFER, REQUEST, ACK) and takes the lease. */
    public SimDhcp.Lease dhcp(Duration timeout) throws IOException {
        return new SimDhcp(this).run(timeout);
    }

    /** Asks who has {@code target}; the MAC from the reply, or -1 if none came. */
    public long arp(int target, Duration timeout) {
        lock.lock();
        try {
            arpTable.remove(target);
            ByteBuffer f = tx();
            int a = Ethernet.HEADER;
            Ethernet.writeHeader(f, MacAddress.BROADCAST.bits(), options.mac().bits(), Ethernet.TYPE_ARP);
            Bytes.put16(f, a + Arp.HARDWARE_TYPE, Arp.ETHERNET);
            Bytes.put16(f, a + Arp.PROTOCOL_TYPE, Ethernet.TYPE_IPV4);
            Bytes.put8(f, a + Arp.HARDWARE_SIZE, 6);
            Bytes.put8(f, a + Arp.PROTOCOL_SIZE, 4);
            Bytes.put16(f, a + Arp.OPERATION, Arp.REQUEST);
            MacAddress.writeBits(f, a + Arp.SENDER_MAC, options.mac().bits());
            Bytes.put32(f, a + Arp.SENDER_IP, address);
            MacAddress.writeBits(f, a + Arp.TARGET_MAC, 0);
            Bytes.put32(f, a + Arp.TARGET_IP, target);
            transmit(a + Arp.LENGTH, offload());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!arpTable.containsKey(target) && awaitUntil(deadline)) {
                // wait for the reply
            }
            return arpTable.getOrDefault(target, -1L);
        } finally {
            lock.unlock();
        }
    }

    /** Sends an echo request; whether the reply came in time. */
    public boolean ping(int target, int id, int seq, int payload, Duration timeout) {
        lock.lock();
        try {
            int length = Icmp.HEADER + payload;
            int at = ipHeader(gatewayMac, Ipv4.HEADER + length, Ipv4.PROTOCOL_ICMP, address, target);
            Bytes.put8(tx, at, Icmp.ECHO_REQUEST);
            Bytes.put8(tx, at + 1, 0);
            Bytes.put16(tx, at + 2, 0);
            Bytes.put16(tx, at + 4, id);
            Bytes.put16(tx, at + 6, seq);
            for (int i = 0; i < payload; i++) {
                tx.put(at + Icmp.HEADER + i, (byte) i);
            }
            Bytes.put16(tx, at + 2, Checksum.finish(Checksum.sum(tx, at, length)));
            transmit(at + length, offload());
            long deadline = System.nanoTime() + timeout.toNanos();
            Integer want = id << 16 | seq;
            while (!echoReplies.remove(want)) {
                if (!awaitUntil(deadline)) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Starts taking datagrams to {@code port}. */
    public void bindUdp(int port) {
        lock.lock();
        try {
            udpPorts.putIfAbsent(port, new ArrayDeque<>());
        } finally {
            lock.unlock();
        }
    }

    /** Sends a datagram from {@code sourcePort}, its checksum complete. */
    public void sendUdp(int sourcePort, int destination, int destinationPort, byte[] data) {
        lock.lock();
        try {
            sendUdpLocked(address, gatewayMac, sourcePort, destination, destinationPort, data);
        } finally {
            lock.unlock();
        }
    }

    void sendUdpLocked(int source, long destinationMac, int sourcePort, int destination, int destinationPort, byte[] data) {
        int udpLength = Udp.HEADER + data.length;
        int at = ipHeader(destinationMac, Ipv4.HEADER + udpLength, Ipv4.PROTOCOL_UDP, source, destination);
        Bytes.put16(tx, at + Udp.SOURCE_PORT, sourcePort);
        Bytes.put16(tx, at + Udp.DESTINATION_PORT, destinationPort);
        Bytes.put16(tx, at + Udp.LENGTH, udpLength);
        Bytes.put16(tx, at + Udp.CHECKSUM, 0);
        tx.put(at + Udp.HEADER, data);
        int c = Checksum.finish(Checksum.pseudoHeader(source, destination, Ipv4.PROTOCOL_UDP, udpLength) + Checksum.sum(tx, at, udpLength));
        Bytes.put16(tx, at + Udp.CHECKSUM, c == 0 ? 0xFFFF : c);
        transmit(at + udpLength, offload());
    }

    /** The next datagram to {@code port}, or null after the timeout. */
    public Datagram receiveUdp(int port, Duration timeout) {
        lock.lock();
        try {
            ArrayDeque<Datagram> q = udpPorts.get(port);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (q.isEmpty()) {
                if (!awaitUntil(deadline)) {
                    return null;
                }
            }
            return q.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Opens a connection from an ephemeral port; returns once it is established. */
    public SimTcp connect(int destination, int port, Duration timeout) throws IOException {
        SimTcp c;
        lock.lock();
        try {
            int local = nextPort++;
            c = new SimTcp(this, local, destination, port);
            connections.put(c.key(), c);
            c.activeOpen();
        } finally {
            lock.unlock();
        }
        c.awaitEstablished(timeout);
        return c;
    }

    /** Starts accepting connections to {@code port}. */
    public void listen(int port) {
        lock.lock();
        try {
            listeners.putIfAbsent(port, new ArrayDeque<>());
        } finally {
            lock.unlock();
        }
    }

    /** The next connection to a listening port, or null after the timeout. */
    public SimTcp accept(int port, Duration timeout) {
        lock.lock();
        try {
            ArrayDeque<SimTcp> q = listeners.get(port);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (q.isEmpty()) {
                if (!awaitUntil(deadline)) {
                    return null;
                }
            }
            return q.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    void forget(SimTcp c) {
        connections.remove(c.key());
    }

    /** Waits on {@link #changed} until {@code deadline}; false once it passed. The caller holds the lock. */
    boolean awaitUntil(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            changed.await(Math.min(left, 10_000_000L), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** Counters: frames processed, lost on purpose, with bad checksums, large segments, anything unexpected. */
    public record Counts(long received, long lost, long checksumErrors, long largeSegments, long unexpected) { }

    public Counts counts() {
        lock.lock();
        try {
            return new Counts(framesReceived, framesLost, checksumErrors, largeSegments, unexpected);
        } finally {
            lock.unlock();
        }
    }

    void countUnexpected() {
        unexpected++;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
