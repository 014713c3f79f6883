package jvisor.boot;

/** Where the guest's VGA screen goes: {@code --display curses|none}, or picked by the command line. */
public enum Display {
    /** The terminal when jvisor runs on one and boots through firmware; nowhere otherwise. */
    AUTO,
    /** Nowhere: only the serial console reaches the user. */
    NONE,
    /** The terminal shows the VGA text screen and keys go to the keyboard controller (QEMU's -display curses). */
    CURSES;

    public static Display parse(String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> NONE;
            case "curses", "terminal" -> CURSES;
            case "auto" -> AUTO;
            default -> throw new BadInputException("--display '" + value + "': use curses or none");
        };
    }
}
