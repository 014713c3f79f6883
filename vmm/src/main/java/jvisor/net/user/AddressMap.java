package jvisor.net.user;

import java.net.InetAddress;
import jvisor.net.wire.Ipv4;

/**
 * How addresses cross between the guest's network and the host: the gateway (10.0.2.2) is the
 * host's loopback, every other outside address is itself, and a host peer the guest cannot
 * address (IPv6) is invisible.
 */
final class AddressMap {
    private final int gateway;
    private final InetAddress loopback = InetAddress.getLoopbackAddress();

    AddressMap(UserNetConfig config) {
        this.gateway = config.gateway();
    }

    /** Where on the host a guest-visible address is. */
    InetAddress hostAddress(int address) {
        return address == gateway ? loopback : Ipv4.toInet(address);
    }

    /** The address the guest sees a host peer as; 0 if it cannot see it. */
    int guestVisible(InetAddress host) {
        if (host.isLoopbackAddress()) {
            return gateway;
        }
        return Ipv4.of(host);
    }
}
