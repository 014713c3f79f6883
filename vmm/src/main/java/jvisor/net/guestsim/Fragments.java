package jvisor.net.guestsim;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import jvisor.net.wire.Bytes;
import jvisor.net.wire.Ipv4;

/** IPv4 reassembly for the simulator's UDP (a resolver's large answer arrives in fragments). */
final class Fragments {
    private static final class Partial {
        final byte[] data = new byte[65535];
        int total = -1;
        int have;
    }

    private final SimGuest guest;
    private final Map<Long, Partial> partials = new HashMap<>();

    Fragments(SimGuest guest) {
        this.guest = guest;
    }

    void add(ByteBuffer f, int ip, int total) {
        int ihl = (Bytes.u8(f, ip) & 0xF) * 4;
        int source = Bytes.u32(f, ip + Ipv4.SOURCE);
        int flags = Bytes.u16(f, ip + Ipv4.FLAGS_FRAGMENT);
        long key = (long) source << 16 | Bytes.u16(f, ip + Ipv4.IDENTIFICATION);
        if (Bytes.u8(f, ip + Ipv4.PROTOCOL) != Ipv4.PROTOCOL_UDP || partials.size() > 64) {
            guest.countUnexpected();
            return;
        }
        Partial p = partials.computeIfAbsent(key, k -> new Partial());
        int offset = (flags & Ipv4.FRAGMENT_OFFSET) * 8;
        int length = total - ihl;
        if (offset + length > p.data.length) {
            partials.remove(key);
            guest.countUnexpected();
            return;
        }
        f.get(ip + ihl, p.data, offset, length);
        p.have += length;
        if ((flags & Ipv4.MORE_FRAGMENTS) == 0) {
            p.total = offset + length;
        }
        if (p.total >= 0 && p.have >= p.total) {
            partials.remove(key);
            guest.udp(ByteBuffer.wrap(p.data, 0, p.total), 0, p.total, source, Bytes.u32(f, ip + Ipv4.DESTINATION));
        }
    }
}
