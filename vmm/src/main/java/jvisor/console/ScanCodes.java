package jvisor.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a terminal sends (bytes in raw mode, ANSI escape sequences for arrows and the like)
 * into PC keyboard scan codes, set 1 (make code, then break code = make | 0x80; 0xE0 before the
 * extended keys), with shift and control pressed around the characters that need them.
 */
public final class ScanCodes {
    static final int SHIFT = 0x2A;
    static final int CTRL = 0x1D;
    static final int ESC = 0x01;
    static final int ENTER = 0x1C;
    static final int BACKSPACE = 0x0E;
    static final int TAB = 0x0F;
    static final int SPACE = 0x39;
    private static final String ROW1 = "1234567890-=";
    private static final String ROW1_SHIFTED = "!@#$%^&*()_+";
    private static final String ROW2 = "qwertyuiop[]";
    private static final String ROW2_SHIFTED = "QWERTYUIOP{}";
    private static final String ROW3 = "asdfghjkl;'`";
    private static final String ROW3_SHIFTED = "ASDFGHJKL:\"~";
    private static final String ROW4 = "\\zxcvbnm,./";
    private static final String ROW4_SHIFTED = "|ZXCVBNM<>?";

    private ScanCodes() { }

    /** The scan codes for {@code bytes} typed on a terminal. */
    public static int[] of(byte[] bytes, int length) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xFF;
            if (b == 0x1B && i + 2 < length + 0 && bytes[i + 1] == '[') {
                int extended = switch (bytes[i + 2]) {
                    case 'A' -> 0x48;
                    case 'B' -> 0x50;
                    case 'C' -> 0x4D;
                    case 'D' -> 0x4B;
                    case 'H' -> 0x47;
                    case 'F' -> 0x4F;
                    default -> -1;
                };
                if (extended >= 0) {
                    press(out, extended, true);
                    i += 2;
                    continue;
                }
            }
            character(out, b);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void character(List<Integer> out, int b) {
        switch (b) {
            case '\r', '\n' -> press(out, ENTER, false);
            case 0x7F, 0x08 -> press(out, BACKSPACE, false);
            case '\t' -> press(out, TAB, false);
            case 0x1B -> press(out, ESC, false);
            case ' ' -> press(out, SPACE, false);
            default -> {
                if (b >= 1 && b <= 26) {
                    out.add(CTRL);
                    press(out, code('a' + b - 1), false);
                    out.add(CTRL | 0x80);
                    return;
                }
                int code = code(b);
                if (code < 0) {
                    return;
                }
                boolean shifted = (ROW1_SHIFTED + ROW2_SHIFTED + ROW3_SHIFTED + ROW4_SHIFTED).indexOf(b) >= 0;
                if (shifted) {
                    out.add(SHIFT);
                }
                press(out, code, false);
                if (shifted) {
                    out.add(SHIFT | 0x80);
                }
            }
        }
    }

    /** The make code of the key that types {@code c} (shifted or not), or -1. */
    static int code(int c) {
        int[] firsts = {0x02, 0x10, 0x1E, 0x2B};
        String[][] rows = {{ROW1, ROW1_SHIFTED}, {ROW2, ROW2_SHIFTED}, {ROW3, ROW3_SHIFTED}, {ROW4, ROW4_SHIFTED}};
        for (int r = 0; r < rows.length; r++) {
            for (String row : rows[r]) {
                int at = row.indexOf(c);
                if (at >= 0) {
                    // The backquote sits after the quote in the table but has its own code (0x29).
                    return r == 2 && at == 11 ? 0x29 : firsts[r] + at;
                }
            }
        }
        return -1;
    }

    private static void press(List<Integer> out, int code, boolean extended) {
        if (extended) {
            out.add(0xE0);
        }
        out.add(code);
        if (extended) {
            out.add(0xE0);
        }
        out.add(code | 0x80);
    }
}
