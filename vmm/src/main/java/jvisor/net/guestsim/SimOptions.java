package jvisor.net.guestsim;

import jvisor.net.GuestPort;
import jvisor.net.MacAddress;

/**
 * How a {@link SimGuest} behaves, so that one simulator plays a fast guest, a slow one, and one
 * that loses frames.
 *
 * @param mac             the NIC's address
 * @param largeReceive    whether it takes large TCP segments (as a guest with GUEST_TSO4 would)
 * @param largeSend       whether it sends large TCP segments (guest TSO) with checksums left pending
 * @param receiveBuffers  receive buffers it keeps posted; receive() fails while all are full
 * @param processNanos    time it spends per received frame before posting the buffer again
 * @param dropRate        fraction of received frames it takes and then loses
 * @param seed            seeds the losses
 */
public record SimOptions(MacAddress mac, boolean largeReceive, boolean largeSend, int receiveBuffers, long processNanos,
                         double dropRate, long seed) {
    public SimOptions {
        if (receiveBuffers < 1 || processNanos < 0 || dropRate < 0 || dropRate >= 1) {
            throw new IllegalArgumentException("bad simulator options");
        }
    }

    /** A quick guest with offloads both ways. */
    public static SimOptions fast() {
        return new SimOptions(MacAddress.DEFAULT_GUEST, true, true, 256, 0, 0, 1);
    }

    /** A guest without offloads: MTU-sized frames, complete checksums. */
    public static SimOptions plain() {
        return new SimOptions(MacAddress.DEFAULT_GUEST, false, false, 256, 0, 0, 1);
    }

    public SimOptions withReceive(int buffers, long nanosPerFrame) {
        return new SimOptions(mac, largeReceive, largeSend, buffers, nanosPerFrame, dropRate, seed);
    }

    public SimOptions withDrops(double rate, long seed) {
        return new SimOptions(mac, largeReceive, largeSend, receiveBuffers, processNanos, rate, seed);
    }

    public int maxReceiveSegment() {
        return largeReceive ? 14 + 65535 : GuestPort.ETHERNET_FRAME;
    }
}
