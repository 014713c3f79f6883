package jvisor.net;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jvisor.boot.BadInputException;

/**
 * What {@code --net} asked for: the user-mode stack with its port forwards, or an existing TAP
 * device. Parsed from QEMU's syntax ({@code user,hostfwd=tcp:127.0.0.1:8080-:80},
 * {@code tap,ifname=tap0}); every mistake is one line naming the option and the fix.
 */
public sealed interface NetOptions {
    String OPTION = "--net";

    /** The guest NIC's MAC address. */
    MacAddress mac();

    /** {@code user}: the VMM's own stack; no privileges needed. */
    record User(MacAddress mac, List<HostForward> forwards) implements NetOptions {
        public User {
            forwards = List.copyOf(forwards);
        }
    }

    /**
     * {@code tap,ifname=NAME}: an existing TAP device.
     *
     * @param vnetHeader whether frames carry the virtio header through the device ({@code vnet_hdr=on}),
     *                   which lets checksum and segmentation offloads pass to the host kernel
     */
    record Tap(MacAddress mac, String ifname, boolean vnetHeader) implements NetOptions {
        /** Linux's IFNAMSIZ less the terminating zero. */
        public static final int MAX_NAME = 15;
    }

    static NetOptions parse(String value) {
        String[] parts = value.split(",", -1);
        return switch (parts[0]) {
            case "user" -> parseUser(parts);
            case "tap" -> parseTap(parts);
            case "" -> throw new BadInputException(OPTION + " needs a value: user[,hostfwd=tcp:[HOSTADDR]:PORT-[GUESTADDR]:PORT] or tap,ifname=NAME");
            default -> throw new BadInputException(OPTION + " '" + parts[0] + "': the back end is user or tap (e.g. --net user or --net tap,ifname=tap0)");
        };
    }

    private static NetOptions parseUser(String[] parts) {
        MacAddress mac = MacAddress.DEFAULT_GUEST;
        List<HostForward> forwards = new ArrayList<>();
        Set<String> bound = new HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String key = key(parts[i]);
            String v = parts[i].substring(key.length() + 1);
            switch (key) {
                case "hostfwd" -> {
                    HostForward f = HostForwardSyntax.parse(v);
                    if (!bound.add(f.protocol() + " " + f.hostPort())) {
                        throw new BadInputException(OPTION + " hostfwd=" + v + ": host port " + f.hostPort()
                                + " (" + f.protocol().name().toLowerCase(Locale.ROOT) + ") is forwarded twice; give each rule its own port");
                    }
                    forwards.add(f);
                }
                case "mac" -> mac = MacAddress.parse(v, OPTION + " mac");
                default -> throw new BadInputException(OPTION + " user: unknown setting '" + key + "': use hostfwd=... or mac=...");
            }
        }
        return new User(mac, forwards);
    }

    private static NetOptions parseTap(String[] parts) {
        MacAddress mac = MacAddress.DEFAULT_GUEST;
        String ifname = null;
        boolean vnet = true;
        for (int i = 1; i < parts.length; i++) {
            String key = key(parts[i]);
            String v = parts[i].substring(key.length() + 1);
            switch (key) {
                case "ifname" -> ifname = checkIfname(v);
                case "mac" -> mac = MacAddress.parse(v, OPTION + " mac");
                case "vnet_hdr" -> vnet = switch (v) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new BadInputException(OPTION + " tap vnet_hdr='" + v + "': use on or off");
                };
                default -> throw new BadInputException(OPTION + " tap: unknown setting '" + key + "': use ifname=NAME, mac=... or vnet_hdr=on|off");
            }
        }
        if (ifname == null) {
            throw new BadInputException(OPTION + " tap needs the device: tap,ifname=tap0 (create it with: ip tuntap add dev tap0 mode tap)");
        }
        return new Tap(mac, ifname, vnet);
    }

    private static String key(String part) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
            throw new BadInputException(OPTION + " '" + part + "' is not a setting: write key=value, e.g. hostfwd=tcp::2222-:22");
        }
        return part.substring(0, eq);
    }

    private static String checkIfname(String name) {
        if (name.isEmpty() || name.length() > Tap.MAX_NAME || name.equals(".") || name.equals("..")
                || !name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/' && c != ':')) {
            throw new BadInputException(OPTION + " tap ifname='" + name + "': a Linux interface name is 1 to "
                    + Tap.MAX_NAME + " printable characters without '/', ':' or spaces");
        }
        return name;
    }
}
