package jvisor.net.user;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import jvisor.net.HostForward;
import jvisor.net.NetCounter;
import jvisor.net.NetStats;
import jvisor.net.guestsim.SimGuest;
import jvisor.net.guestsim.SimOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A user-mode stack with a simulated guest on it, for the tests of this package. */
final class TestNet implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Nothing listens here: a resolver that never answers, unless a test starts a fake one. */
    static final InetSocketAddress SILENT_RESOLVER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

    final UserNetwork net;
    final SimGuest guest;

    TestNet(SimOptions options, NetLimits limits, List<HostForward> forwards, List<InetSocketAddress> resolvers) {
        net = UserNetwork.open(UserNetConfig.standard(forwards, resolvers, limits));
        guest = new SimGuest(net, options);
    }

    static TestNet configured(SimOptions options) {
        return configured(options, NetLimits.DEFAULT, List.of());
    }

    /** A guest with its address set as DHCP would, the gateway's MAC known. */
    static TestNet configured(SimOptions options, NetLimits limits, List<HostForward> forwards) {
        TestNet n = new TestNet(options, limits, forwards, List.of(SILENT_RESOLVER));
        n.guest.configure(UserNetConfig.GUEST, UserNetConfig.GATEWAY_MAC);
        return n;
    }

    /** Prints the stack's state every second while a test runs: for finding a stall. */
    void watch() {
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                System.out.println(net.describe() + guest.counts() + "\n" + stats() + "\n");
            }
        });
    }

    NetStats stats() {
        return net.stats();
    }

    /** Every frame from the guest was counted exactly once, and none met a bug. */
    void assertCountsAddUp() {
        NetStats s = stats();
        assertEquals(s.get(NetCounter.FROM_GUEST), s.total(NetCounter.Kind.GUEST_FRAME), () -> "counters: " + s);
        assertEquals(0, s.get(NetCounter.INTERNAL_ERROR), () -> "counters: " + s);
    }

    @Override
    public void close() {
        guest.close();
        net.close();
    }
}
