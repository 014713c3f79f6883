package jvisor.debug.gdb;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The remote serial protocol's framing: {@code $data#cs} with '+'/'-' acknowledgements, '}'
 * escapes, and the interrupt byte 0x03. What the client sends is untrusted: a packet longer than
 * {@link #MAX_PACKET}, or one that keeps failing its checksum, throws {@link GdbProtocolException}
 * and the stub drops the connection.
 */
final class GdbPackets {
    /** Larger than the PacketSize jvisor advertises, so only a broken or hostile client hits it. */
    static final int MAX_PACKET = 0x10000;
    private static final int MAX_BAD_CHECKSUMS = 8;
    static final int INTERRUPT = 0x03;

    private final InputStream in;
    private final OutputStream out;
    private int badChecksums;

    GdbPackets(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /**
     * The next packet's data (unescaped, ISO-8859-1), or "\u0003" for an interrupt. Throws
     * SocketTimeoutException if the socket has a timeout and nothing came.
     */
    String read() throws IOException {
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("gdb closed the connection");
            }
            if (b == INTERRUPT) {
                return "\u0003";
            }
            if (b != '$') {
                continue; // acks and line noise between packets
            }
            String data = body();
            if (data != null) {
                out.write('+');
                out.flush();
                return data;
            }
            if (++badChecksums > MAX_BAD_CHECKSUMS) {
                throw new GdbProtocolException("too many packets with bad checksums");
            }
            out.write('-');
            out.flush();
        }
    }

    /** Reads up to '#' and the checksum; null if the checksum is wrong. */
    private String body() throws IOException {
        StringBuilder sb = new StringBuilder();
        int sum = 0;
        boolean escaped = false;
        while (true) {
            int b = readByte();
            if (b == '#') {
                break;
            }
            if (b == '$') {
                throw new GdbProtocolException("'$' inside a packet");
            }
            sum += b;
            if (sb.length() >= MAX_PACKET) {
                throw new GdbProtocolException("packet longer than " + MAX_PACKET + " bytes");
            }
            if (escaped) {
                sb.append((char) (b ^ 0x20));
                escaped = false;
            } else if (b == '}') {
                escaped = true;
            } else {
                sb.append((char) b);
            }
        }
        int hi = Character.digit(readByte(), 16);
        int lo = Character.digit(readByte(), 16);
        if (hi < 0 || lo < 0) {
            throw new GdbProtocolException("checksum is not two hex digits");
        }
        return ((hi << 4) | lo) == (sum & 0xFF) ? sb.toString() : null;
    }

    private int readByte() throws IOException {
        while (true) {
            try {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("gdb closed the connection inside a packet");
                }
                return b;
            } catch (SocketTimeoutException e) {
                // A timeout set for interrupt polling must not cut a packet in half.
            }
        }
    }

    /** Sends {@code data} as one packet and waits for gdb's '+' (a '-' resends, a few times). */
    void write(String data) throws IOException {
        StringBuilder sb = new StringBuilder(data.length() + 4).append('$');
        int sum = 0;
        for (int i = 0; i < data.length(); i++) {
            char ch = data.charAt(i);
            if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
                sb.append('}');
                sum += '}';
                ch ^= 0x20;
            }
            sb.append(ch);
            sum += ch;
        }
        sb.append('#').append(String.format("%02x", sum & 0xFF));
        byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        for (int attempt = 0; attempt < MAX_BAD_CHECKSUMS; attempt++) {
            out.write(bytes);
            out.flush();
            int ack = readByte();
            while (ack != '+' && ack != '-') {
                if (ack == INTERRUPT) {
                    return; // gdb interrupts while we answer: the answer stands
                }
                ack = readByte();
            }
            if (ack == '+') {
                return;
            }
        }
        throw new GdbProtocolException("gdb keeps rejecting our packets");
    }
}
