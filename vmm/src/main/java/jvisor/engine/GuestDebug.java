package jvisor.engine;

import java.util.Arrays;

/**
 * What a debugger asks of one processor (KVM_SET_GUEST_DEBUG's contents): stop after every
 * instruction, stop before executing an instruction at any of {@code breakpoints} (linear
 * addresses, RIP values), and stop after an instruction that accessed one of {@code watchpoints}.
 * Such a stop returns {@link ExitReason#DEBUG}; the guest never sees it, and its own debug
 * registers are left alone.
 */
public record GuestDebug(boolean singleStep, long[] breakpoints, Watchpoint[] watchpoints) {
    public static final GuestDebug OFF = new GuestDebug(false, new long[0]);

    /** Which accesses a watchpoint stops after (gdb's Z2, Z3 and Z4). */
    public enum WatchKind { WRITE, READ, ACCESS }

    /** Linear addresses {@code [address, address + length)}. */
    public record Watchpoint(long address, int length, WatchKind kind) {
        public Watchpoint {
            if (length <= 0) {
                throw new IllegalArgumentException("watchpoint length " + length);
            }
        }
    }

    public GuestDebug(boolean singleStep, long[] breakpoints) {
        this(singleStep, breakpoints, new Watchpoint[0]);
    }

    public GuestDebug {
        breakpoints = breakpoints.clone();
        Arrays.sort(breakpoints);
        watchpoints = watchpoints.clone();
    }

    public boolean stopsAt(long rip) {
        return breakpoints.length != 0 && Arrays.binarySearch(breakpoints, rip) >= 0;
    }

    public boolean active() {
        return singleStep || breakpoints.length != 0 || watchpoints.length != 0;
    }

    @Override
    public long[] breakpoints() {
        return breakpoints.clone();
    }

    @Override
    public Watchpoint[] watchpoints() {
        return watchpoints.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestDebug d && d.singleStep == singleStep && Arrays.equals(d.breakpoints, breakpoints)
                && Arrays.equals(d.watchpoints, watchpoints);
    }

    @Override
    public int hashCode() {
        return (Boolean.hashCode(singleStep) * 31 + Arrays.hashCode(breakpoints)) * 31 + Arrays.hashCode(watchpoints);
    }
}
