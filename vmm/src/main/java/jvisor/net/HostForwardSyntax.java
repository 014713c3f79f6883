package jvisor.net;

import java.net.InetAddress;
import jvisor.boot.BadInputException;
import jvisor.net.wire.Ipv4;

/** The {@code hostfwd} value: {@code [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT}. */
final class HostForwardSyntax {
    private HostForwardSyntax() { }

    static HostForward parse(String v) {
        String form = NetOptions.OPTION + " hostfwd=" + v + ": ";
        String usage = "write hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. hostfwd=tcp:127.0.0.1:8080-:80";
        int dash = v.indexOf('-');
        if (dash < 0) {
            throw new BadInputException(form + "no '-' between the host and guest sides; " + usage);
        }
        String[] host = v.substring(0, dash).split(":", -1);
        String[] guest = v.substring(dash + 1).split(":", -1);
        HostForward.Protocol protocol = HostForward.Protocol.TCP;
        int h = 0;
        if (host.length == 3) {
            protocol = switch (host[0]) {
                case "tcp", "" -> HostForward.Protocol.TCP;
                case "udp" -> HostForward.Protocol.UDP;
                default -> throw new BadInputException(form + "protocol '" + host[0] + "' is neither tcp nor udp");
            };
            h = 1;
        } else if (host.length != 2) {
            throw new BadInputException(form + "the host side is [tcp|udp]:[HOSTADDR]:HOSTPORT; " + usage);
        }
        if (guest.length != 2) {
            throw new BadInputException(form + "the guest side is [GUESTADDR]:GUESTPORT; " + usage);
        }
        InetAddress hostAddress = host[h].isEmpty() ? Ipv4.toInet(0) : Ipv4.toInet(address(form, "host", host[h]));
        int guestAddress = guest[0].isEmpty() ? 0 : address(form, "guest", guest[0]);
        return new HostForward(protocol, hostAddress, port(form, "host", host[h + 1]), guestAddress, port(form, "guest", guest[1]));
    }

    private static int address(String form, String side, String text) {
        Integer a = Ipv4.parse(text);
        if (a == null) {
            throw new BadInputException(form + side + " address '" + text + "' is not an IPv4 address such as 127.0.0.1 (or leave it empty)");
        }
        return a;
    }

    private static int port(String form, String side, String text) {
        int p;
        try {
            p = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new BadInputException(form + side + " port '" + text + "' must be a number from 1 to 65535");
        }
        return p;
    }
}
