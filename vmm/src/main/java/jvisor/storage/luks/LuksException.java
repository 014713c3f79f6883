package jvisor.storage.luks;

/**
 * A LUKS volume cannot be opened, unlocked or created: a wrong passphrase, a damaged or hostile
 * header, a format jvisor does not implement, an I/O failure on the image. The message is one
 * line, written to follow "jvisor: " on the command line.
 */
public final class LuksException extends RuntimeException {
    public LuksException(String message) {
        super(message, null, false, false);
    }

    public LuksException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
