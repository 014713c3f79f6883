package jvisor.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The command-line options the Linux loader and the guest kit added. */
class LinuxOptionsTest {
    private static BootConfig run(String... args) {
        return assertInstanceOf(CommandLine.Command.Run.class, CommandLine.parse(args)).config();
    }

    @Test
    void linuxEntryDefaultsAndParses() {
        assertEquals(LinuxEntry.DEFAULT, run("run", "--kernel", "vmlinuz").linuxEntry());
        assertEquals(LinuxEntry.PROTOCOL, run("run", "--kernel", "vmlinuz", "--linux-entry", "protocol").linuxEntry());
        assertEquals(LinuxEntry.DECOMPRESSED, run("run", "--kernel", "vmlinuz", "--linux-entry=decompressed").linuxEntry());
        String message = assertThrows(BadInputException.class,
                () -> CommandLine.parse("run", "--kernel", "k", "--linux-entry", "fast")).getMessage();
        assertTrue(message.contains("decompressed or protocol"), message);
    }

    @Test
    void theWithersKeepTheLinuxEntry() {
        BootConfig c = run("run", "--kernel", "k", "--linux-entry", "protocol").withCpus(2).withMemory(256L << 20);
        assertEquals(LinuxEntry.PROTOCOL, c.linuxEntry());
        assertEquals(LinuxEntry.DECOMPRESSED, c.withLinuxEntry(LinuxEntry.DECOMPRESSED).linuxEntry());
    }

    @Test
    void guestFetchIsACommand() {
        assertInstanceOf(CommandLine.Command.GuestFetch.class, CommandLine.parse("guest", "fetch"));
        assertThrows(BadInputException.class, () -> CommandLine.parse("guest"));
        assertTrue(assertThrows(BadInputException.class, () -> CommandLine.parse("guest", "boot")).getMessage()
                .contains("guest fetch"));
    }
}
