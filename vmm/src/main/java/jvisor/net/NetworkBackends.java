package jvisor.net;

import jvisor.net.tap.TapBackend;
import jvisor.net.user.UserNetwork;

/** Opens the back end {@code --net} asked for. */
public final class NetworkBackends {
    private NetworkBackends() { }

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
}
