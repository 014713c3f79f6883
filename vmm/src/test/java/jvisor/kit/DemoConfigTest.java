package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BootConfig;
import jvisor.net.NetOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo linux} brings the network up: a card on the user-mode stack unless the user names one, and DHCP. */
class DemoConfigTest {
    @TempDir
    Path dir;

    @Test
    void theDemoHasAUserNetworkCardAndAsksForDhcp() {
        BootConfig c = GuestKit.demoConfig(new GuestKit.Kit("6.1.0-test", dir), List.of());
        assertInstanceOf(NetOptions.User.class, c.devices().net());
        assertTrue(c.cmdline().contains(InitScript.NET_DHCP), c.cmdline());
    }

    @Test
    void theUsersNetOptionWins() {
        BootConfig c = GuestKit.demoConfig(new GuestKit.Kit("6.1.0-test", dir),
                List.of("--net", "user,hostfwd=tcp:127.0.0.1:8080-:80"));
        NetOptions.User user = assertInstanceOf(NetOptions.User.class, c.devices().net());
        assertTrue(user.forwards().size() == 1);
        c = GuestKit.demoConfig(new GuestKit.Kit("6.1.0-test", dir), List.of("--net=tap,ifname=tap0"));
        assertInstanceOf(NetOptions.Tap.class, c.devices().net());
    }
}
