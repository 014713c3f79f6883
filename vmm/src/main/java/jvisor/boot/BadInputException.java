package jvisor.boot;

/**
 * Something the user can fix: a bad option, a kernel that cannot be booted, a host without what
 * an engine needs. The command line prints the message as one line and exits with status 2.
 */
public final class BadInputException extends RuntimeException {
    public static final int EXIT_STATUS = 2;

    public BadInputException(String message) {
        super(message, null, false, false);
    }
}
