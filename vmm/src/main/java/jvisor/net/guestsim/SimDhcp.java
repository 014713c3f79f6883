package jvisor.net.guestsim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import jvisor.net.MacAddress;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ipv4;

/** The simulator's DHCP client: DISCOVER, OFFER, REQUEST, ACK, as udhcpc does it. */
public final class SimDhcp {
    /** What the server gave: address, mask, router, DNS server, lease time, server identifier. */
    public record Lease(int address, int netmask, int router, int dns, int leaseSeconds, int server) { }

    private static final int CLIENT = 68;
    private static final int SERVER = 67;
    private final SimGuest guest;
    private final int xid = 0x1234_5678;

    SimDhcp(SimGuest guest) {
        this.guest = guest;
    }

    Lease run(Duration timeout) throws IOException {
        guest.bindUdp(CLIENT);
        send(1, 0, 0);
        Lease offer = await(2, timeout);
        send(3, offer.address(), offer.server());
        Lease ack = await(5, timeout);
        guest.configure(ack.address(), MacAddress.BROADCAST.bits());
        long routerMac = guest.arp(ack.router(), timeout);
        if (routerMac < 0) {
            throw new IOException("the router " + Ipv4.format(ack.router()) + " does not answer ARP");
        }
        guest.configure(ack.address(), routerMac);
        return ack;
    }

    private void send(int type, int requested, int server) {
        byte[] m = new byte[300];
        ByteBuffer b = ByteBuffer.wrap(m);
        Bytes.put8(b, 0, 1);
        Bytes.put8(b, 1, 1);
        Bytes.put8(b, 2, 6);
        Bytes.put32(b, 4, xid);
        Bytes.put16(b, 10, 0x8000);
        MacAddress.writeBits(b, 28, guest.options.mac().bits());
        Bytes.put32(b, 236, 0x6382_5363);
        int i = 240;
        i = option(b, i, 53, new byte[] {(byte) type});
        if (requested != 0) {
            i = option(b, i, 50, int4(requested));
            i = option(b, i, 54, int4(server));
        }
        i = option(b, i, 55, new byte[] {1, 3, 6, 51});
        Bytes.put8(b, i, 255);
        guest.lock.lock();
        try {
            guest.sendUdpLocked(0, MacAddress.BROADCAST.bits(), CLIENT, Ipv4.BROADCAST, SERVER, m);
        } finally {
            guest.lock.unlock();
        }
    }

    private Lease await(int type, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            SimGuest.Datagram d = left > 0 ? guest.receiveUdp(CLIENT, Duration.ofNanos(left)) : null;
            if (d == null) {
                throw new IOException("no DHCP message type " + type + " in time");
            }
            Lease lease = parse(d, type);
            if (lease != null) {
                return lease;
            }
        }
    }

    /** The lease in a reply of the wanted type to this client's transaction, else null. */
    static Lease parse(SimGuest.Datagram d, int wantedType) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(d.data());
        if (d.data().length < 240 || Bytes.u8(b, 0) != 2 || Bytes.u32(b, 236) != 0x6382_5363) {
            throw new IOException("not a DHCP reply");
        }
        int type = 0, mask = 0, router = 0, dns = 0, lease = 0, server = 0;
        for (int i = 240; i < d.data().length && Bytes.u8(b, i) != 255; ) {
            int code = Bytes.u8(b, i);
            if (code == 0) {
                i++;
                continue;
            }
            int len = Bytes.u8(b, i + 1);
            int v = i + 2;
            switch (code) {
                case 53 -> type = Bytes.u8(b, v);
                case 1 -> mask = Bytes.u32(b, v);
                case 3 -> router = Bytes.u32(b, v);
                case 6 -> dns = Bytes.u32(b, v);
                case 51 -> lease = Bytes.u32(b, v);
                case 54 -> server = Bytes.u32(b, v);
                default -> { }
            }
            i = v + len;
        }
        if (type == 6) {
            throw new IOException("DHCP NAK");
        }
        return type == wantedType ? new Lease(Bytes.u32(b, 16), mask, router, dns, lease, server) : null;
    }

    private static int option(ByteBuffer b, int i, int code, byte[] value) {
        Bytes.put8(b, i, code);
        Bytes.put8(b, i + 1, value.length);
        b.put(i + 2, value);
        return i + 2 + value.length;
    }

    private static byte[] int4(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}

