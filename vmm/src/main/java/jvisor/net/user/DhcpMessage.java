package jvisor.net.user;

import java.nio.ByteBuffer;
import jvisor.net.MacAddress;
import jvisor.net.wire.Bytes;

/**
 * The fields of a client's DHCP message the server needs (RFC 2131 section 2, RFC 2132 options),
 * and the reply's layout. Parsing checks every length before reading; a message that does not
 * parse is null.
 */
record DhcpMessage(int type, int xid, int flags, int clientAddress, long clientMac, int requestedAddress, int serverId) {
    static final int DISCOVER = 1;
    static final int OFFER = 2;
    static final int REQUEST = 3;
    static final int DECLINE = 4;
    static final int ACK = 5;
    static final int NAK = 6;
    static final int RELEASE = 7;
    static final int INFORM = 8;

    static final int OP = 0;
    static final int HTYPE = 1;
    static final int HLEN = 2;
    static final int XID = 4;
    static final int FLAGS = 10;
    static final int CIADDR = 12;
    static final int YIADDR = 16;
    static final int SIADDR = 20;
    static final int GIADDR = 24;
    static final int CHADDR = 28;
    static final int MAGIC = 236;
    static final int OPTIONS = 240;
    static final int MAGIC_COOKIE = 0x6382_5363;
    /** BOOTP's minimum message; some clients drop shorter replies. */
    static final int MIN_REPLY = 300;

    static final int OPT_PAD = 0;
    static final int OPT_SUBNET_MASK = 1;
    static final int OPT_ROUTER = 3;
    static final int OPT_DNS = 6;
    static final int OPT_REQUESTED_ADDRESS = 50;
    static final int OPT_LEASE_TIME = 51;
    static final int OPT_MESSAGE_TYPE = 53;
    static final int OPT_SERVER_ID = 54;
    static final int OPT_RENEWAL_TIME = 58;
    static final int OPT_REBINDING_TIME = 59;
    static final int OPT_END = 255;
    static final int BROADCAST_FLAG = 0x8000;

    boolean broadcastFlag() {
        return (flags & BROADCAST_FLAG) != 0;
    }

    static DhcpMessage parse(ByteBuffer f, int at, int length) {
        if (length < OPTIONS || Bytes.u8(f, at + OP) != 1 || Bytes.u8(f, at + HTYPE) != 1
                || Bytes.u8(f, at + HLEN) != 6 || Bytes.u32(f, at + MAGIC) != MAGIC_COOKIE) {
            return null;
        }
        int type = 0;
        int requested = 0;
        int server = 0;
        int i = at + OPTIONS;
        int end = at + length;
        while (i < end) {
            int code = Bytes.u8(f, i);
            if (code == OPT_END) {
                break;
            }
            if (code == OPT_PAD) {
                i++;
                continue;
            }
            if (i + 2 > end || i + 2 + Bytes.u8(f, i + 1) > end) {
                return null;
            }
            int len = Bytes.u8(f, i + 1);
            int v = i + 2;
            switch (code) {
                case OPT_MESSAGE_TYPE -> type = len == 1 ? Bytes.u8(f, v) : -1;
                case OPT_REQUESTED_ADDRESS -> requested = len == 4 ? Bytes.u32(f, v) : 0;
                case OPT_SERVER_ID -> server = len == 4 ? Bytes.u32(f, v) : 0;
                default -> { }
            }
            i = v + len;
        }
        if (type < DISCOVER || type > INFORM) {
            return null;
        }
        return new DhcpMessage(type, Bytes.u32(f, at + XID), Bytes.u16(f, at + FLAGS), Bytes.u32(f, at + CIADDR),
                MacAddress.readBits(f, at + CHADDR), requested, server);
    }

    /** Writes the reply at {@code at}; returns its length. {@code address} 0 leaves yiaddr empty (NAK, INFORM). */
    int writeReply(ByteBuffer out, int at, int replyType, int address, UserNetConfig config, int leaseSeconds) {
        for (int i = 0; i < MIN_REPLY; i++) {
            out.put(at + i, (byte) 0);
        }
        Bytes.put8(out, at + OP, 2);
        Bytes.put8(out, at + HTYPE, 1);
        Bytes.put8(out, at + HLEN, 6);
        Bytes.put32(out, at + XID, xid);
        Bytes.put16(out, at + FLAGS, flags);
        Bytes.put32(out, at + CIADDR, replyType == NAK ? 0 : clientAddress);
        Bytes.put32(out, at + YIADDR, replyType == INFORM ? 0 : address);
        Bytes.put32(out, at + SIADDR, 0);
        Bytes.put32(out, at + GIADDR, 0);
        MacAddress.writeBits(out, at + CHADDR, clientMac);
        Bytes.put32(out, at + MAGIC, MAGIC_COOKIE);
        int i = at + OPTIONS;
        i = option(out, i, OPT_MESSAGE_TYPE, 1, replyType);
        i = option(out, i, OPT_SERVER_ID, 4, config.gateway());
        if (replyType != NAK) {
            if (replyType != ACK || address != 0) {
                i = option(out, i, OPT_LEASE_TIME, 4, leaseSeconds);
                i = option(out, i, OPT_RENEWAL_TIME, 4, leaseSeconds / 2);
                i = option(out, i, OPT_REBINDING_TIME, 4, leaseSeconds / 8 * 7);
            }
            i = option(out, i, OPT_SUBNET_MASK, 4, config.netmask());
            i = option(out, i, OPT_ROUTER, 4, config.gateway());
            i = option(out, i, OPT_DNS, 4, config.nameserver());
        }
        Bytes.put8(out, i++, OPT_END);
        return Math.max(MIN_REPLY, i - at);
    }

    private static int option(ByteBuffer out, int i, int code, int length, int value) {
        Bytes.put8(out, i, code);
        Bytes.put8(out, i + 1, length);
        if (length == 1) {
            Bytes.put8(out, i + 2, value);
        } else {
            Bytes.put32(out, i + 2, value);
        }
        return i + 2 + length;
    }
}
