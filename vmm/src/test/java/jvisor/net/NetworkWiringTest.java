package jvisor.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;

/** {@code --net} from the configuration to a PCI function, and the back ends' one-line refusals. */
class NetworkWiringTest {
    private static GuestRun boot(String net) {
        return GuestRun.boot(BootConfig.of(new GuestImage.Builtin("hello")).withEngine(EngineChoice.EMU)
                .withTraceBoot(true).withDevices(DeviceOptions.NONE.withNet(NetOptions.parse(net))));
    }

    private static void assertRefused(GuestRun run, String part) {
        assertEquals(BadInputException.EXIT_STATUS, run.status(), run::toString);
        assertTrue(run.log().contains(part), run::toString);
        assertFalse(run.log().contains("Exception"), run::toString);
        assertEquals("", run.serial(), "the guest never ran");
    }

    @Test
    void theUserStackGetsAVirtioNetCard() {
        GuestRun run = boot("user");
        assertTrue(run.serial().contains("Hello"), run::toString);
        assertTrue(run.log().contains("open_network"), run::toString);
        assertTrue(run.log().contains("virtio-net0 at 00:03.0"), run::toString);
    }

    @Test
    void aForwardedPortInUseIsRefused() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertRefused(boot("user,hostfwd=tcp:127.0.0.1:" + taken.getLocalPort() + "-:80"), "is in use");
        }
    }

    @Test
    void aMissingTapDeviceIsRefused() {
        GuestRun run = boot("tap,ifname=jvnotthere0");
        assertEquals(BadInputException.EXIT_STATUS, run.status(), run::toString);
        assertEquals(1, run.log().lines().filter(l -> l.startsWith("jvisor: ")).count(), run::toString);
        assertTrue(run.log().contains("--net"), run::toString);
    }
}
