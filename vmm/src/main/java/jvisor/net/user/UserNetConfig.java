package jvisor.net.user;

import java.net.InetSocketAddress;
import java.util.List;
import jvisor.net.HostForward;
import jvisor.net.wire.Ipv4;

/**
 * The virtual network the guest sees: QEMU's user-mode layout, so guests and habits made for
 * QEMU work unchanged. 10.0.2.2 is the gateway and the host's loopback, 10.0.2.3 the DNS server,
 * the guest gets 10.0.2.15 by DHCP.
 *
 * @param resolvers the host's DNS servers that queries to 10.0.2.3 go to
 */
public record UserNetConfig(int network, int prefixLength, int gateway, int nameserver, int guestAddress,
                            long gatewayMac, List<HostForward> forwards, List<InetSocketAddress> resolvers,
                            NetLimits limits) {
    public static final int NETWORK = 0x0A00_0200;
    public static final int GATEWAY = 0x0A00_0202;
    public static final int NAMESERVER = 0x0A00_0203;
    public static final int GUEST = 0x0A00_020F;
    /** The gateway's MAC: locally administered, with 10.0.2.2 in its last four bytes. */
    public static final long GATEWAY_MAC = 0x5255_0A00_0202L;

    public UserNetConfig {
        forwards = List.copyOf(forwards);
        resolvers = List.copyOf(resolvers);
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        for (int a : new int[] {gateway, nameserver, guestAddress}) {
            if (!inNetwork(network, prefixLength, a)) {
                throw new IllegalArgumentException(Ipv4.format(a) + " is outside the network");
            }
        }
    }

    /** QEMU's layout with the given forwards and the host's resolvers. */
    public static UserNetConfig standard(List<HostForward> forwards, List<InetSocketAddress> resolvers, NetLimits limits) {
        return new UserNetConfig(NETWORK, 24, GATEWAY, NAMESERVER, GUEST, GATEWAY_MAC, forwards, resolvers, limits);
    }

    public int netmask() {
        return -1 << (32 - prefixLength);
    }

    public int broadcast() {
        return network | ~netmask();
    }

    public boolean inNetwork(int address) {
        return inNetwork(network, prefixLength, address);
    }

    private static boolean inNetwork(int network, int prefixLength, int address) {
        int mask = -1 << (32 - prefixLength);
        return (address & mask) == (network & mask);
    }
}
