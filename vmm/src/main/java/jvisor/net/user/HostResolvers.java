package jvisor.net.user;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's DNS servers, from {@code resolv.conf} as the C library reads it. */
public final class HostResolvers {
    private HostResolvers() { }

    public static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");
    public static final int DNS_PORT = 53;

    /**
     * The {@code nameserver} lines' addresses in order; glibc's default (127.0.0.1) when there are
     * none or the file cannot be read, as the host's own programs would use.
     */
    public static List<InetSocketAddress> read(Path resolvConf) {
        List<InetSocketAddress> servers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(resolvConf)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    try {
                        servers.add(new InetSocketAddress(InetAddress.ofLiteral(words[1]), DNS_PORT));
                    } catch (IllegalArgumentException e) {
                        // Not an address literal (a typo, or a scope we cannot use): the C library skips it too.
                    }
                }
            }
        } catch (IOException e) {
            // No resolv.conf: fall through to the default, as the C library does.
        }
        if (servers.isEmpty()) {
            servers.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), DNS_PORT));
        }
        return List.copyOf(servers);
    }
}
