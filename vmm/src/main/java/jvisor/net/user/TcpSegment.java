package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Tcp;

/**
 * A TCP segment from the guest, parsed into one reusable holder (the stack's lock guards it), so
 * that receiving allocates nothing. The payload stays in the guest's frame.
 */
final class TcpSegment {
    int sourcePort;
    int destinationPort;
    int seq;
    int ack;
    int flags;
    int window;
    /** The MSS option, or 0 if absent. */
    int mss;
    /** The window-scale option's shift, or -1 if absent. */
    int windowScale;
    int payloadOffset;
    int payloadLength;

    /** Parses {@code length} bytes at {@code at}; false if they are not a well-formed segment. */
    boolean parse(ByteBuffer f, int at, int length) {
        if (length < Tcp.HEADER) {
            return false;
        }
        int headerLength = (Bytes.u8(f, at + Tcp.DATA_OFFSET) >>> 4) * 4;
        if (headerLength < Tcp.HEADER || headerLength > length) {
            return false;
        }
        sourcePort = Bytes.u16(f, at + Tcp.SOURCE_PORT);
        destinationPort = Bytes.u16(f, at + Tcp.DESTINATION_PORT);
        seq = Bytes.u32(f, at + Tcp.SEQUENCE);
        ack = Bytes.u32(f, at + Tcp.ACKNOWLEDGEMENT);
        flags = Bytes.u8(f, at + Tcp.FLAGS) & 0x3F;
        window = Bytes.u16(f, at + Tcp.WINDOW);
        payloadOffset = at + headerLength;
        payloadLength = length - headerLength;
        if (sourcePort == 0 || destinationPort == 0) {
            return false;
        }
        // Combinations no stack sends; RFC 9293 leaves them to be dropped.
        if (has(Tcp.SYN) && (has(Tcp.FIN) || has(Tcp.RST))) {
            return false;
        }
        parseOptions(f, at + Tcp.HEADER, at + headerLength);
        return true;
    }

    /** MSS and window scale; a malformed option list ends the walk, keeping what was read. */
    private void parseOptions(ByteBuffer f, int i, int end) {
        mss = 0;
        windowScale = -1;
        while (i < end) {
            int kind = Bytes.u8(f, i);
            if (kind == Tcp.OPTION_END) {
                return;
            }
            if (kind == Tcp.OPTION_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return;
            }
            int len = Bytes.u8(f, i + 1);
            if (len < 2 || i + len > end) {
                return;
            }
            if (kind == Tcp.OPTION_MSS && len == 4) {
                mss = Bytes.u16(f, i + 2);
            } else if (kind == Tcp.OPTION_WINDOW_SCALE && len == 3) {
                windowScale = Math.min(Bytes.u8(f, i + 2), Tcp.MAX_WINDOW_SCALE);
            }
            i += len;
        }
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Sequence space the segment occupies: payload, plus one each for SYN and FIN. */
    int sequenceLength() {
        return payloadLength + (has(Tcp.SYN) ? 1 : 0) + (has(Tcp.FIN) ? 1 : 0);
    }
}
