package jvisor.kit;

/** Building the guest kit failed for a reason the user can act on; the message is one line. */
public final class KitException extends RuntimeException {
    public KitException(String message) {
        super(message, null, false, false);
    }
}
