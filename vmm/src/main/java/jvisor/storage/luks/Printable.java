package jvisor.storage.luks;

/** Header strings are hostile input: what goes into a message is cut short and kept to printable ASCII. */
final class Printable {
    private static final int MAX = 40;

    private Printable() { }

    static String of(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX + 3));
        for (int i = 0; i < s.length() && i < MAX; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (s.length() > MAX) {
            b.append("...");
        }
        return b.toString();
    }
}
