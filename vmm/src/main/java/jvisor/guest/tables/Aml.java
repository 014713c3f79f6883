package jvisor.guest.tables;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small encoder for the ACPI Machine Language terms a DSDT needs here: names, integers,
 * strings, packages, scopes and devices. Each method returns the term's bytes; terms nest by
 * passing bytes to the enclosing term.
 */
final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5B;
    static final int DEVICE_OP = 0x82;
    static final int ROOT_CHAR = 0x5C;
    static final int DUAL_NAME_PREFIX = 0x2E;
    static final int MULTI_NAME_PREFIX = 0x2F;
    /** PkgLength encodes at most 28 bits. */
    static final int MAX_PACKAGE_LENGTH = (1 << 28) - 1;

    private Aml() { }

    /** {@code Name(name, value)}. */
    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** An integer constant in its shortest encoding. */
    static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        }
        if (v == 1) {
            return new byte[] {ONE_OP};
        }
        if (v > 0 && v <= 0xFF) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        }
        if (v > 0 && v <= 0xFFFF) {
            return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >>> 8)};
        }
        if (v > 0 && v <= 0xFFFF_FFFFL) {
            return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
        }
        byte[] q = new byte[9];
        q[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            q[1 + i] = (byte) (v >>> (8 * i));
        }
        return q;
    }

    /** A string constant (ASCII, NUL-terminated). */
    static byte[] string(String s) {
        for (char c : s.toCharArray()) {
            if (c < 0x01 || c > 0x7F) {
                throw new IllegalArgumentException("AML strings are ASCII without NUL: " + s);
            }
        }
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** {@code Package(n) {elements}}. */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 0xFF) {
            throw new IllegalArgumentException("a Package holds at most 255 elements");
        }
        byte[] body = concat(new byte[] {(byte) elements.length}, concat(elements));
        return concat(new byte[] {PACKAGE_OP}, pkgLength(body.length), body);
    }

    /** {@code Buffer(n) {bytes}}. */
    static byte[] buffer(byte[] bytes) {
        byte[] body = concat(integer(bytes.length), bytes);
        return concat(new byte[] {BUFFER_OP}, pkgLength(body.length), body);
    }

    /**
     * {@code EisaId("PNP0A03")}: three letters of five bits each and four hex digits, packed big-endian
     * into a 32-bit integer that is stored little-endian.
     */
    static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("not an EISA ID: " + id);
        }
        int vendor = (id.charAt(0) - '@') << 10 | (id.charAt(1) - '@') << 5 | (id.charAt(2) - '@');
        int product = Integer.parseInt(id.substring(3), 16);
        long value = (vendor >>> 8) | (vendor & 0xFF) << 8 | (product >>> 8) << 16 | (long) (product & 0xFF) << 24;
        return integer(value);
    }

    /** {@code Scope(path) {terms}}. */
    static byte[] scope(String path, byte[]... terms) {
        byte[] body = concat(nameString(path), concat(terms));
        return concat(new byte[] {SCOPE_OP}, pkgLength(body.length), body);
    }

    /** {@code Device(name) {terms}}. */
    static byte[] device(String name, byte[]... terms) {
        byte[] body = concat(nameString(name), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /**
     * The PkgLength of a term whose remaining bytes are {@code contentLength} long; the encoded
     * value counts the PkgLength bytes themselves.
     */
    static byte[] pkgLength(int contentLength) {
        if (contentLength + 1 <= 0x3F) {
            return new byte[] {(byte) (contentLength + 1)};
        }
        for (int n = 2; n <= 4; n++) {
            int total = contentLength + n;
            if (total < 1 << (4 + 8 * (n - 1))) {
                byte[] out = new byte[n];
                out[0] = (byte) (((n - 1) << 6) | (total & 0xF));
                for (int i = 1; i < n; i++) {
                    out[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return out;
            }
        }
        throw new IllegalArgumentException("AML package too long: " + contentLength);
    }

    /** A NameString: an optional root prefix, then dot-separated segments, each padded with '_' to 4. */
    static byte[] nameString(String path) {
        boolean rooted = path.startsWith("\\");
        String[] segments = (rooted ? path.substring(1) : path).split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (rooted) {
            out.write(ROOT_CHAR);
        }
        if (segments.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segments.length);
        }
        for (String s : segments) {
            out.writeBytes(nameSeg(s));
        }
        return out.toByteArray();
    }

    private static byte[] nameSeg(String s) {
        if (s.isEmpty() || s.length() > 4 || !s.matches("[A-Z_][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not an AML name segment: '" + s + "'");
        }
        return (s + "___".substring(0, 4 - s.length())).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
