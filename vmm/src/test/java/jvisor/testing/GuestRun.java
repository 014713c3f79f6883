package jvisor.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.core.VmmMain;

/** One in-process boot of jvisor with the guest's serial output and the VMM's log captured. */
public record GuestRun(int status, String serial, String log) {

    public static GuestRun boot(BootConfig config) {
        return boot(config, "");
    }

    /** Boots {@code config}; {@code typed} is what the guest's serial port receives. */
    public static GuestRun boot(BootConfig config, String typed) {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Console console = new Console(
                typed.isEmpty() ? null : new ByteArrayInputStream(typed.getBytes(StandardCharsets.ISO_8859_1)),
                new PrintStream(serial, true, StandardCharsets.ISO_8859_1),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = VmmMain.run(config, console);
        } catch (BadInputException e) {
            log.writeBytes(("jvisor: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            status = BadInputException.EXIT_STATUS;
        }
        return new GuestRun(status, serial.toString(StandardCharsets.ISO_8859_1), log.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "status " + status + "\n--- serial ---\n" + serial + "\n--- log ---\n" + log;
    }
}
