package jvisor.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a debugger asks of one processor (KVM_SET_GUEST_DEBUG's contents): stop after every
 * instruction, stop before executing an instruction at any of {@code breakpoints} (linear
 * addresses, RIP values), and stop after an instruction that touched one of {@code watchpoints}.
 * Such a stop returns {@link ExitReason#DEBUG}; the guest never sees it.
 */
public record GuestDebug(boolean singleStep, long[] breakpoints, List<Watchpoint> watchpoints) {
    public static final GuestDebug OFF = new GuestDebug(false, new long[0]);

    /** Which accesses a watchpoint stops on (gdb's Z2, Z3, Z4). */
    public enum Access { WRITE, READ, ACCESS }

    /** {@code length} bytes from linear address {@code address}. */
    public record Watchpoint(long address, int length, Access access) {
        /** The longest range one watchpoint covers (emu; kvm splits a range over its debug registers). */
        public static final int MAX_LENGTH = 0x10000;

        public Watchpoint {
            if (length < 1 || length > MAX_LENGTH) {
                throw new IllegalArgumentException("watchpoint length " + length);
            }
            if (access == null) {
                throw new IllegalArgumentException("watchpoint without an access kind");
            }
        }

        /** Whether the access of {@code size} bytes at {@code at} overlaps the watched bytes. */
        public boolean overlaps(long at, int size) {
            return Long.compareUnsigned(at, address + length) < 0 && Long.compareUnsigned(address, at + size) < 0;
        }
    }

    public GuestDebug(boolean singleStep, long[] breakpoints) {
        this(singleStep, breakpoints, List.of());
    }

    public GuestDebug {
        breakpoints = breakpoints.clone();
        Arrays.sort(breakpoints);
        watchpoints = List.copyOf(watchpoints);
    }

    public boolean stopsAt(long rip) {
        return breakpoints.length != 0 && Arrays.binarySearch(breakpoints, rip) >= 0;
    }

    public boolean active() {
        return singleStep || breakpoints.length != 0 || !watchpoints.isEmpty();
    }

    @Override
    public long[] breakpoints() {
        return breakpoints.clone();
    }

    /**
     * How many of x86's four debug address registers this takes: one per breakpoint, and one per
     * naturally aligned 1-, 2-, 4- or 8-byte piece of each watchpoint ({@link #pieces}).
     */
    public int addressRegisters() {
        int n = breakpoints.length;
        for (Watchpoint w : watchpoints) {
            n += pieces(w.address(), w.length()).size();
        }
        return n;
    }

    /**
     * {@code length} bytes at {@code address} as the fewest naturally aligned pieces of 1, 2, 4 or 8
     * bytes (a debug register watches only such a piece), each as {address, length}.
     */
    public static List<long[]> pieces(long address, int length) {
        List<long[]> out = new ArrayList<>();
        long at = address;
        long left = length;
        while (left > 0) {
            int size = 8;
            while (size > 1 && ((at & (size - 1)) != 0 || size > left)) {
                size >>= 1;
            }
            out.add(new long[] {at, size});
            at += size;
            left -= size;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestDebug d && d.singleStep == singleStep && Arrays.equals(d.breakpoints, breakpoints)
                && d.watchpoints.equals(watchpoints);
    }

    @Override
    public int hashCode() {
        return (Boolean.hashCode(singleStep) * 31 + Arrays.hashCode(breakpoints)) * 31 + watchpoints.hashCode();
    }
}
