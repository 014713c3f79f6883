package jvisor.net;

import java.net.InetAddress;
import java.util.Objects;
import jvisor.net.wire.Ipv4;

/**
 * One {@code hostfwd} rule: a host socket whose clients reach a port in the guest.
 *
 * @param hostAddress  where the host side listens; the wildcard address for all interfaces, as QEMU does
 * @param guestAddress the guest's IPv4 address as an int, 0 for the one DHCP gives it
 */
public record HostForward(Protocol protocol, InetAddress hostAddress, int hostPort, int guestAddress, int guestPort) {
    /** The transport a rule forwards. */
    public enum Protocol { TCP, UDP }

    public HostForward {
        Objects.requireNonNull(protocol);
        Objects.requireNonNull(hostAddress);
        if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("ports are 1 to 65535");
        }
    }

    /** The rule as the user writes it. */
    @Override
    public String toString() {
        String host = hostAddress.isAnyLocalAddress() ? "" : hostAddress.getHostAddress();
        String guest = guestAddress == 0 ? "" : Ipv4.format(guestAddress);
        return "hostfwd=" + protocol.name().toLowerCase(java.util.Locale.ROOT) + ":" + host + ":" + hostPort + "-" + guest + ":" + guestPort;
    }
}
