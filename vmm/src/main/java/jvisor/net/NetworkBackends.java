package jvisor.net;

import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.core.Vmm;
import jvisor.net.tap.TapBackend;
import jvisor.net.user.UserNetwork;

/** Opens the back end {@code --net} asked for. */
public final class NetworkBackends {
    private NetworkBackends() { }

    /**
     * The global stage opens the back end before guest RAM or any processor exists, so a port in
     * use or a missing TAP device ends the run with one line; the driver stage puts a virtio-net
     * card in front of it.
     */
    @InitFunction(stage = Stage.GLOBAL, order = 0)
    public static void openNetwork(Processor p) {
        Vmm vmm = p.vmm();
        NetOptions options = vmm.config().devices().net();
        if (options == null) {
            return;
        }
        NetworkBackend backend = open(options);
        vmm.onTeardown(backend);
        vmm.provide(NetworkBackend.class, backend);
        vmm.trace().step(p, "open_network", describe(options));
    }

    /**
     * The user-mode stack (its {@code hostfwd} sockets bound) or the attached TAP device. What the
     * user can fix (a port in use, a missing or busy device, no permission) is a
     * {@link jvisor.boot.BadInputException} with one line naming the option and the fix.
     */
    public static NetworkBackend open(NetOptions options) {
        return switch (options) {
            case NetOptions.User user -> UserNetwork.open(user);
            case NetOptions.Tap tap -> TapBackend.open(tap);
        };
    }

    static String describe(NetOptions options) {
        return switch (options) {
            case NetOptions.User user -> "user-mode network, " + user.forwards().size() + " host forward(s), MAC " + user.mac();
            case NetOptions.Tap tap -> "TAP device " + tap.ifname() + ", MAC " + tap.mac();
        };
    }
}
