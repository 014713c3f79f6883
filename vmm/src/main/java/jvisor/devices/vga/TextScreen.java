package jvisor.devices.vga;

/**
 * What a VGA in text mode shows: {@code rows} x {@code columns} cells, each a code page 437
 * character and an attribute byte (background in bits 6-4, or 7-4 without blinking; foreground
 * in bits 3-0), and the cursor. A screen in graphics mode has no cells.
 */
public record TextScreen(int columns, int rows, byte[] characters, byte[] attributes,
                         int cursorRow, int cursorColumn, boolean cursorVisible, boolean textMode) {
    public static final TextScreen BLANK = new TextScreen(0, 0, new byte[0], new byte[0], 0, 0, false, false);

    public TextScreen {
        if (characters.length != columns * rows || attributes.length != columns * rows) {
            throw new IllegalArgumentException("a " + columns + "x" + rows + " screen needs that many cells");
        }
    }

    public int character(int row, int column) {
        return characters[row * columns + column] & 0xFF;
    }

    public int attribute(int row, int column) {
        return attributes[row * columns + column] & 0xFF;
    }

    /** Row {@code row} as text: printable ASCII as is, other characters as '.', trailing blanks cut. */
    public String line(int row) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < columns; c++) {
            int ch = character(row, c);
            b.append(ch == 0 ? ' ' : ch >= 0x20 && ch < 0x7F ? (char) ch : '.');
        }
        return b.toString().stripTrailing();
    }

    /** The whole screen as lines of text (see {@link #line}); also what tests compare. */
    public String contents() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            b.append(line(r)).append('\n');
        }
        return b.toString();
    }
}
