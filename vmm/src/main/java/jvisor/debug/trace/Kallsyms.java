package jvisor.debug.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Function symbols from the kernel's own kallsyms tables inside a decompressed x86-64 vmlinux,
 * for kernels shipped without a System.map (Debian's package carries a placeholder; the real one
 * is in the -dbg package). The layout is what scripts/kallsyms.c emits with base-relative
 * offsets: kallsyms_offsets, kallsyms_relative_base, kallsyms_num_syms, kallsyms_names, ...,
 * kallsyms_token_table, kallsyms_token_index. The token table is found by its run of one-character
 * tokens "0".."9" and confirmed by the index that follows it; the rest is found from there and
 * every step is checked, so a file without those tables yields nothing rather than garbage.
 */
final class Kallsyms {
    private Kallsyms() { }

    /** Receives each text symbol. */
    interface Sink {
        void add(long address, String name);
    }

    private static final int TOKENS = 256;

    /** Adds the text symbols (types t, T, w, W) to {@code sink}; returns how many, 0 if no tables were found. */
    static int read(byte[] image, Sink sink) {
        ByteBuffer bb = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        byte[] digits = "0\u00001\u00002\u00003\u00004\u00005\u00006\u00007\u00008\u00009\u0000"
                .getBytes(StandardCharsets.ISO_8859_1);
        for (int at = indexOf(image, digits, 0); at >= 0; at = indexOf(image, digits, at + 1)) {
            int start = backStrings(image, at, '0');
            if (start < 0) {
                continue;
            }
            String[] tokens = new String[TOKENS];
            int end = tokens(image, start, tokens);
            if (end < 0 || !indexFollows(bb, end, tokens)) {
                continue;
            }
            int n = symbols(bb, image, start, tokens, sink);
            if (n > 0) {
                return n;
            }
        }
        return 0;
    }

    /** Walks back {@code count} NUL-terminated strings from {@code at}. */
    private static int backStrings(byte[] b, int at, int count) {
        int q = at;
        for (int k = 0; k < count; k++) {
            int z = q - 2;
            while (z >= 0 && b[z] != 0) {
                z--;
            }
            if (z < 0) {
                return -1;
            }
            q = z + 1;
        }
        return q;
    }

    private static int tokens(byte[] b, int start, String[] tokens) {
        int e = start;
        for (int k = 0; k < TOKENS; k++) {
            int z = e;
            while (z < b.length && b[z] != 0) {
                z++;
            }
            if (z >= b.length || z - e > 64) {
                return -1;
            }
            tokens[k] = new String(b, e, z - e, StandardCharsets.ISO_8859_1);
            e = z + 1;
        }
        return e;
    }

    /** kallsyms_token_index: 256 u16 offsets of the tokens, right after the table (aligned). */
    private static boolean indexFollows(ByteBuffer bb, int end, String[] tokens) {
        for (int pad = 0; pad < 16; pad++) {
            int at = end + pad;
            if (at + 2 * TOKENS > bb.capacity()) {
                return false;
            }
            int offset = 0;
            boolean ok = true;
            for (int k = 0; k < TOKENS && ok; k++) {
                ok = (bb.getShort(at + 2 * k) & 0xFFFF) == offset;
                offset += tokens[k].length() + 1;
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    /**
     * Finds kallsyms_relative_base and kallsyms_num_syms below the token table: a kernel text
     * address, a plausible count, and names that decode with the tokens to end before the table.
     */
    private static int symbols(ByteBuffer bb, byte[] b, int tokenTable, String[] tokens, Sink sink) {
        int lowest = Math.max(0, tokenTable - (64 << 20));
        for (int at = (tokenTable - 16) & ~7; at >= lowest; at -= 8) {
            long base = bb.getLong(at);
            if ((base >>> 32) != 0xFFFF_FFFFL || (base & 0xFFF) != 0) {
                continue;
            }
            int count = bb.getInt(at + 8);
            if (count < 1000 || count > 2_000_000 || (long) at - 4L * count < 0) {
                continue;
            }
            for (int names : new int[] {at + 12, at + 16}) {
                int end = skipNames(b, names, count, tokenTable);
                if (end < 0) {
                    continue;
                }
                // Every table starts 8-aligned (scripts/kallsyms.c: ALGN is .balign 8 on 64-bit):
                // after an odd number of offsets, four bytes of padding come before the base.
                int offsets = (at - 4 * count) & ~7;
                int n = 0;
                int o = names;
                for (int k = 0; k < count; k++) {
                    int len = b[o] & 0xFF;
                    o++;
                    if ((len & 0x80) != 0) {
                        len = (len & 0x7F) | (b[o] & 0xFF) << 7;
                        o++;
                    }
                    StringBuilder name = new StringBuilder();
                    for (int j = 0; j < len; j++) {
                        name.append(tokens[b[o + j] & 0xFF]);
                    }
                    o += len;
                    if (name.length() < 2 || "tTwW".indexOf(name.charAt(0)) < 0) {
                        continue;
                    }
                    int rel = bb.getInt(offsets + 4 * k);
                    long address = rel >= 0 ? base + rel : base - 1 - rel;
                    sink.add(address, name.substring(1));
                    n++;
                }
                return n;
            }
        }
        return 0;
    }

    /** Where {@code count} name entries from {@code at} end, or -1 if they do not end below {@code limit}. */
    private static int skipNames(byte[] b, int at, int count, int limit) {
        int o = at;
        for (int k = 0; k < count; k++) {
            if (o >= limit) {
                return -1;
            }
            int len = b[o] & 0xFF;
            o++;
            if ((len & 0x80) != 0) {
                len = (len & 0x7F) | (b[o] & 0xFF) << 7;
                o++;
            }
            if (len == 0) {
                return -1;
            }
            o += len;
        }
        return o <= limit ? o : -1;
    }

    private static int indexOf(byte[] b, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= b.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (b[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
