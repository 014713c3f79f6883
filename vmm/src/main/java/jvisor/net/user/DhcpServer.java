package jvisor.net.user;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import jvisor.net.MacAddress;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.wire.Ipv4;

/**
 * A DHCP server (RFC 2131, options from RFC 2132) for the guest's network: DISCOVER gets an
 * OFFER, REQUEST an ACK (or a NAK for an address that is not the client's), INFORM an ACK with
 * the options only. Each client hardware address keeps its address for the VMM's life; the first
 * is the configured guest address (10.0.2.15), later ones follow it.
 */
final class DhcpServer {
    static final int SERVER_PORT = 67;
    static final int CLIENT_PORT = 68;
    static final int LEASE_SECONDS = 86400;
    /** Clients beyond this many get no offer: one NIC rarely has more than one or two. */
    static final int MAX_CLIENTS = 16;

    private final UserNetConfig config;
    private final GuestLink link;
    private final NetStats stats;
    private final Map<Long, Integer> leases = new HashMap<>();

    DhcpServer(UserNetConfig config, GuestLink link, NetStats stats) {
        this.config = config;
        this.link = link;
        this.stats = stats;
    }

    /** A DHCP message of {@code length} bytes at {@code at} (the UDP payload). */
    NetCounter handle(ByteBuffer f, int at, int length) {
        DhcpMessage m = DhcpMessage.parse(f, at, length);
        if (m == null) {
            return NetCounter.DHCP_MALFORMED;
        }
        if (m.serverId() != 0 && m.serverId() != config.gateway()) {
            return NetCounter.ACCEPTED;     // the client chose another server
        }
        switch (m.type()) {
            case DhcpMessage.DISCOVER -> {
                Integer address = lease(m.clientMac());
                if (address != null) {
                    reply(m, DhcpMessage.OFFER, address);
                }
            }
            case DhcpMessage.REQUEST -> {
                Integer address = lease(m.clientMac());
                int wanted = m.requestedAddress() != 0 ? m.requestedAddress() : m.clientAddress();
                if (address != null && wanted == address) {
                    reply(m, DhcpMessage.ACK, address);
                    stats.increment(NetCounter.DHCP_ACKS);
                } else {
                    reply(m, DhcpMessage.NAK, 0);
                }
            }
            case DhcpMessage.INFORM -> reply(m, DhcpMessage.ACK, 0);
            default -> { }      // RELEASE, DECLINE: the address stays the client's
        }
        return NetCounter.ACCEPTED;
    }

    /** The address the client's MAC has, given one if it is new and the pool has room. */
    Integer lease(long mac) {
        Integer a = leases.get(mac);
        if (a == null && leases.size() < MAX_CLIENTS) {
            a = config.guestAddress() + leases.size();
            if (!config.inNetwork(a) || a == config.broadcast()) {
                return null;
            }
            leases.put(mac, a);
        }
        return a;
    }

    private void reply(DhcpMessage m, int type, int address) {
        ByteBuffer out = link.frame();
        int length = m.writeReply(out, GuestLink.UDP_PAYLOAD, type, address, config, LEASE_SECONDS);
        // RFC 2131 4.1: a client without an address hears the reply by broadcast unless it can take unicast.
        boolean broadcast = type == DhcpMessage.NAK || (m.clientAddress() == 0 && m.broadcastFlag());
        int destination = m.clientAddress() != 0 && type != DhcpMessage.NAK ? m.clientAddress()
                : broadcast ? Ipv4.BROADCAST : address;
        long mac = broadcast ? MacAddress.BROADCAST.bits() : m.clientMac();
        link.sendUdpInPlace(mac, config.gateway(), SERVER_PORT, destination, CLIENT_PORT, length);
    }

    static boolean isRequest(int destination, int destinationPort, UserNetConfig config) {
        return destinationPort == SERVER_PORT
                && (destination == Ipv4.BROADCAST || destination == config.broadcast() || destination == config.gateway());
    }
}
