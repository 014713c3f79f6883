package jvisor.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InteractiveConsoleTest {
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final InteractiveConsole console = new InteractiveConsole(new ByteArrayInputStream(new byte[0]),
            new PrintStream(screen, true, StandardCharsets.UTF_8));

    private String typedToGuest() throws IOException {
        StringBuilder s = new StringBuilder();
        while (console.guestInput().available() > 0) {
            s.append((char) console.guestInput().read());
        }
        return s.toString();
    }

    @Test
    void ordinaryKeysGoToTheGuest() throws IOException {
        for (char c : "ls -l\r".toCharArray()) {
            console.key(c);
        }
        assertEquals("ls -l\r", typedToGuest());
    }

    @Test
    void ctrlACtrlASendsOneCtrlAAndOtherEscapesSendNothing() throws IOException {
        console.key(InteractiveConsole.CTRL_A);
        console.key(InteractiveConsole.CTRL_A);
        console.key(InteractiveConsole.CTRL_A);
        console.key('z');
        console.key('k');
        assertEquals("\u0001k", typedToGuest());
    }

    @Test
    void ctrlCGoesToTheGuestOnlyWhenItListens() throws IOException {
        console.key(InteractiveConsole.CTRL_C);
        assertEquals("", typedToGuest());
        console.setGuestListens(() -> true);
        console.key(InteractiveConsole.CTRL_C);
        assertEquals("\u0003", typedToGuest());
    }

    @Test
    void aBulkReadReturnsWhatIsTypedWithoutWaitingForMore() throws IOException {
        console.key('a');
        console.key('b');
        byte[] buffer = new byte[64];
        assertEquals(2, console.guestInput().read(buffer, 0, buffer.length));
        assertEquals("ab", new String(buffer, 0, 2, StandardCharsets.ISO_8859_1));
    }

    @Test
    void ctrlAHPrintsTheKeys() throws IOException {
        console.key(InteractiveConsole.CTRL_A);
        console.key('h');
        assertEquals(true, screen.toString(StandardCharsets.UTF_8).contains("Ctrl-A X    quit jvisor"));
    }
}
