package jvisor.console;

import java.io.PrintStream;
import java.nio.charset.Charset;
import jvisor.devices.vga.TextScreen;
import jvisor.devices.vga.Vga;

/**
 * Shows a VGA text screen on an ANSI terminal, as QEMU's {@code -display curses} does: a thread
 * looks at the screen a few dozen times a second and, when the VGA was written, sends only the
 * cells that changed (cursor moves, colour changes and characters in code page 437 translated to
 * Unicode), then puts the terminal's cursor where the VGA's is.
 */
public final class VgaTerminal implements AutoCloseable {
    static final long FRAME_MILLIS = 40;
    /** VGA colour index (IRGB) to the ANSI colour number: VGA's order is blue-green-red, ANSI's red-green-blue. */
    private static final int[] ANSI = {0, 4, 2, 6, 1, 5, 3, 7};

    private final Vga vga;
    private final PrintStream out;
    private final Thread thread;
    private volatile boolean running = true;
    private TextScreen shown;
    private long seen = -1;

    private VgaTerminal(Vga vga, PrintStream out) {
        this.vga = vga;
        this.out = out;
        this.thread = Thread.ofPlatform().daemon().name("jvisor-vga-terminal").start(this::loop);
    }

    public static VgaTerminal start(Vga vga, PrintStream out) {
        return new VgaTerminal(vga, out);
    }

    private void loop() {
        out.print("\033[2J\033[H");
        while (running) {
            long generation = vga.generation();
            if (generation != seen) {
                seen = generation;
                out.print(frame(shown, vga.textScreen()));
                out.flush();
            }
            try {
                Thread.sleep(FRAME_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The ANSI text that turns the terminal from {@code before} (null: unknown) into {@code after}. */
    String frame(TextScreen before, TextScreen after) {
        shown = after;
        StringBuilder b = new StringBuilder();
        boolean full = before == null || before.columns() != after.columns() || before.rows() != after.rows();
        if (full) {
            b.append("\033[0m\033[2J");
        }
        int attribute = -1;
        for (int r = 0; r < after.rows(); r++) {
            int nextColumn = -1;
            for (int c = 0; c < after.columns(); c++) {
                int ch = after.character(r, c);
                int attr = after.attribute(r, c);
                if (!full && before.character(r, c) == ch && before.attribute(r, c) == attr) {
                    continue;
                }
                if (nextColumn != c) {
                    b.append("\033[").append(r + 1).append(';').append(c + 1).append('H');
                }
                if (attr != attribute) {
                    b.append(sgr(attr));
                    attribute = attr;
                }
                b.append(Cp437.toChar(ch));
                nextColumn = c + 1;
            }
        }
        b.append("\033[0m");
        if (after.textMode()) {
            b.append("\033[").append(after.cursorRow() + 1).append(';').append(after.cursorColumn() + 1).append('H');
            b.append(after.cursorVisible() ? "\033[?25h" : "\033[?25l");
        }
        return b.toString();
    }

    /** Foreground in bits 0-3 (bit 3 bright), background in bits 4-6; blinking is not shown. */
    static String sgr(int attr) {
        int fg = attr & 7;
        int bg = (attr >>> 4) & 7;
        return "\033[0;" + ((attr & 8) != 0 ? 90 + ANSI[fg] : 30 + ANSI[fg]) + ';' + (40 + ANSI[bg]) + 'm';
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        out.print("\033[0m\033[?25h\n");
        out.flush();
    }

    /** Code page 437, the VGA's character set, as Unicode. */
    static final class Cp437 {
        private static final String HIGH = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
                + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00A0";
        private static final String LOW = " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼";

        private Cp437() { }

        static char toChar(int c) {
            if (c < 0x20) {
                return LOW.charAt(c);
            }
            if (c < 0x7F) {
                return (char) c;
            }
            return c == 0x7F ? '⌂' : HIGH.charAt(c - 0x80);
        }

        static Charset charset() {
            return java.nio.charset.StandardCharsets.UTF_8;
        }
    }
}
