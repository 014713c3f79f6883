package jvisor.engine;

import java.util.Arrays;

/**
 * What a debugger asks of one processor (KVM_SET_GUEST_DEBUG's contents): stop after every
 * instruction, and stop before executing an instruction at any of {@code breakpoints} (linear
 * addresses, RIP values). Such a stop returns {@link ExitReason#DEBUG}; the guest never sees it.
 */
public record GuestDebug(boolean singleStep, long[] breakpoints) {
    public static final GuestDebug OFF = new GuestDebug(false, new long[0]);

    public GuestDebug {
        breakpoints = breakpoints.clone();
        Arrays.sort(breakpoints);
    }

    public boolean stopsAt(long rip) {
        return breakpoints.length != 0 && Arrays.binarySearch(breakpoints, rip) >= 0;
    }

    public boolean active() {
        return singleStep || breakpoints.length != 0;
    }

    @Override
    public long[] breakpoints() {
        return breakpoints.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestDebug d && d.singleStep == singleStep && Arrays.equals(d.breakpoints, breakpoints);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(singleStep) * 31 + Arrays.hashCode(breakpoints);
    }
}
