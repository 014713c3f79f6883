package jvisor.net.user;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.net.GuestPort;
import jvisor.net.MacAddress;
import jvisor.net.RxOffload;

/** A guest that takes every frame and does nothing with it: the stack's side of a flood. */
final class DiscardingGuest implements GuestPort {
    final AtomicLong frames = new AtomicLong();
    private final int maxSegment;

    DiscardingGuest(int maxSegment) {
        this.maxSegment = maxSegment;
    }

    @Override
    public boolean receive(ByteBuffer frame, RxOffload offload) {
        frames.incrementAndGet();
        return true;
    }

    @Override
    public int maxReceiveSegment() {
        return maxSegment;
    }

    @Override
    public MacAddress mac() {
        return MacAddress.DEFAULT_GUEST;
    }
}
