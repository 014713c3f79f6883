package jvisor.net.user;

import java.time.Duration;

/**
 * The bounds of the user-mode stack: however the guest or a host peer behaves, the stack holds at
 * most this many connections, sessions, queued frames and buffer bytes.
 *
 * @param tcpConnections      TCP connections at once, both directions, including ones connecting
 * @param tcpBuffer           bytes a connection buffers per direction (its windows derive from it)
 * @param tcpBufferBudget     bytes all connections' buffers may take together; enough for every
 *                            connection's two smallest buffers (16 KiB each) and one full-size pair
 * @param udpSessions         UDP host sockets at once (the least recently used gives way)
 * @param dnsPending          DNS queries awaiting the host resolver
 * @param guestQueueFrames    frames kept while the guest has no receive buffer
 * @param guestQueueBytes     bytes kept while the guest has no receive buffer
 * @param connectTimeout      how long a host connect may take before the guest gets a reset
 * @param udpIdle             how long a UDP session lives without traffic
 * @param dnsTimeout          how long a DNS query waits for the host resolver
 */
public record NetLimits(int tcpConnections, int tcpBuffer, long tcpBufferBudget, int udpSessions, int dnsPending,
                        int guestQueueFrames, int guestQueueBytes, Duration connectTimeout, Duration udpIdle,
                        Duration dnsTimeout) {
    public static final NetLimits DEFAULT = new NetLimits(512, 256 << 10, 64L << 20, 256, 256,
            256, 1 << 20, Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(5));

    public NetLimits {
        if (tcpConnections < 1 || udpSessions < 1 || dnsPending < 1 || guestQueueFrames < 1) {
            throw new IllegalArgumentException("limits must allow at least one of each");
        }
        if (Integer.bitCount(tcpBuffer) != 1 || tcpBuffer < BufferPool.MIN || tcpBuffer > (16 << 20)) {
            throw new IllegalArgumentException("tcpBuffer must be a power of two from 16 KiB to 16 MiB: " + tcpBuffer);
        }
        if (tcpBufferBudget < 2L * tcpConnections * BufferPool.MIN + 2L * tcpBuffer || guestQueueBytes < 65536 + 100) {
            throw new IllegalArgumentException("budgets too small for every connection's smallest buffers or one large frame");
        }
    }

    public NetLimits withTcpConnections(int n) {
        return new NetLimits(n, tcpBuffer, tcpBufferBudget, udpSessions, dnsPending, guestQueueFrames, guestQueueBytes,
                connectTimeout, udpIdle, dnsTimeout);
    }

    public NetLimits withUdpSessions(int n) {
        return new NetLimits(tcpConnections, tcpBuffer, tcpBufferBudget, n, dnsPending, guestQueueFrames, guestQueueBytes,
                connectTimeout, udpIdle, dnsTimeout);
    }

    public NetLimits withTcpBuffer(int bytes, long budget) {
        return new NetLimits(tcpConnections, bytes, budget, udpSessions, dnsPending, guestQueueFrames, guestQueueBytes,
                connectTimeout, udpIdle, dnsTimeout);
    }

    public NetLimits withTimeouts(Duration connect, Duration udp, Duration dns) {
        return new NetLimits(tcpConnections, tcpBuffer, tcpBufferBudget, udpSessions, dnsPending, guestQueueFrames,
                guestQueueBytes, connect, udp, dns);
    }
}
