package jvisor.engine.emu.cpu;

import jvisor.engine.GuestDebug;

/**
 * The linear ranges one processor's data accesses are watched on: the guest's data breakpoints
 * (DR0-DR3 as DR7 arms them) and a debugger's watchpoints, kept apart so that neither sees or
 * disturbs the other. The MMU keeps every page a range touches out of its TLB's read and write
 * sets, so each access to such a page, from the interpreter or from compiled code, takes the slow
 * path and comes here. A hit in the interpreter is recorded and ends the block after the
 * instruction (which then reports it as a trap); a hit inside a compiled region raises
 * {@link #REPLAY} before the access, so the interpreter runs that one instruction again by itself.
 */
public final class DataWatch {
    public static final int READ = 1;
    public static final int WRITE = 2;
    /**
     * Not an exception vector: unwinds compiled code like a fault, at the instruction that hit a
     * watched range, for the interpreter to run again alone. Regions compiled for C2 raise it
     * too where an instruction's first access misses in the TLB.
     */
    public static final int REPLAY = 0x100;
    /** Debugger watchpoints at most, and the longest one. */
    public static final int MAX_DEBUGGER = 64;
    public static final int MAX_LENGTH = 1 << 16;

    private static final long PAGE = ~0xFFFL;

    private final Cpu c;
    private int guestCount;
    private final long[] guestStart = new long[4];
    private final long[] guestLast = new long[4];
    private final int[] guestKind = new int[4];
    private final int[] guestOwner = new int[4];
    private GuestDebug.Watchpoint[] debugger = new GuestDebug.Watchpoint[0];
    private final long[] debuggerLast = new long[MAX_DEBUGGER];
    private final int[] debuggerKind = new int[MAX_DEBUGGER];
    /** Any range is watched: only then does the MMU look here. */
    public boolean armed;
    /** Set while compiled code runs: a hit raises {@link #REPLAY} instead of being recorded. */
    public boolean replayInstead;
    /** The debugger watchpoint the last instruction hit, or null. */
    private GuestDebug.Watchpoint debuggerHit;

    DataWatch(Cpu c) {
        this.c = c;
    }

    /** The guest's armed data breakpoints: {@code kinds} of READ/WRITE, {@code owners} their DRn. */
    void setGuest(int count, long[] starts, int[] lengths, int[] kinds, int[] owners) {
        forgetPages();
        guestCount = count;
        for (int k = 0; k < count; k++) {
            guestStart[k] = starts[k];
            guestLast[k] = starts[k] + lengths[k] - 1;
            guestKind[k] = kinds[k];
            guestOwner[k] = owners[k];
        }
        changed();
    }

    /** The debugger's watchpoints (at most {@link #MAX_DEBUGGER}, each at most {@link #MAX_LENGTH} bytes). */
    public void setDebugger(GuestDebug.Watchpoint[] watchpoints) {
        if (watchpoints.length > MAX_DEBUGGER) {
            throw new IllegalArgumentException(watchpoints.length + " watchpoints; at most " + MAX_DEBUGGER);
        }
        for (GuestDebug.Watchpoint w : watchpoints) {
            if (w.length() > MAX_LENGTH || Long.compareUnsigned(w.address() + w.length() - 1, w.address()) < 0) {
                throw new IllegalArgumentException("a watchpoint of " + w.length() + " bytes at "
                        + Long.toHexString(w.address()) + ": at most " + MAX_LENGTH + ", not past the top of memory");
            }
        }
        forgetPages();
        for (int k = 0; k < watchpoints.length; k++) {
            GuestDebug.Watchpoint w = watchpoints[k];
            debuggerLast[k] = w.address() + w.length() - 1;
            debuggerKind[k] = switch (w.access()) {
                case WRITE -> WRITE;
                case READ -> READ;
                case ACCESS -> READ | WRITE;
            };
        }
        debugger = watchpoints.clone();
        debuggerHit = null;
        changed();
    }

    private void changed() {
        armed = guestCount != 0 || debugger.length != 0;
        forgetPages();
    }

    /** Drops the TLB's data translations of every watched page (before and after a change). */
    private void forgetPages() {
        for (int k = 0; k < guestCount; k++) {
            forget(guestStart[k], guestLast[k]);
        }
        for (int k = 0; k < debugger.length; k++) {
            forget(debugger[k].address(), debuggerLast[k]);
        }
    }

    private void forget(long first, long last) {
        for (long page = first & PAGE; ; page += 0x1000) {
            c.mmu.forgetDataPage(page);
            if (page == (last & PAGE)) {
                return;
            }
        }
    }

    /** Whether the 4 KiB page at {@code page} holds any watched byte (it must then stay out of the TLB). */
    boolean touchesPage(long page) {
        long end = page + 0xFFF;
        for (int k = 0; k < guestCount; k++) {
            if (overlaps(guestStart[k], guestLast[k], page, end)) {
                return true;
            }
        }
        for (int k = 0; k < debugger.length; k++) {
            if (overlaps(debugger[k].address(), debuggerLast[k], page, end)) {
                return true;
            }
        }
        return false;
    }

    private static boolean overlaps(long first, long last, long from, long to) {
        return Long.compareUnsigned(first, to) <= 0 && Long.compareUnsigned(from, last) <= 0;
    }

    /**
     * An access of {@code kind} (READ, WRITE or both for a read-modify-write) to {@code [lin,
     * lin+size)} that took the MMU's slow path.
     */
    void access(long lin, int size, int kind) {
        long last = lin + size - 1;
        int hits = 0;
        for (int k = 0; k < guestCount; k++) {
            if ((guestKind[k] & kind) != 0 && overlaps(guestStart[k], guestLast[k], lin, last)) {
                hits |= 1 << guestOwner[k];
            }
        }
        GuestDebug.Watchpoint hit = null;
        for (int k = 0; k < debugger.length && hit == null; k++) {
            if ((debuggerKind[k] & kind) != 0 && overlaps(debugger[k].address(), debuggerLast[k], lin, last)) {
                hit = debugger[k];
            }
        }
        if (hits == 0 && hit == null) {
            return;
        }
        if (replayInstead) {
            throw c.fault(REPLAY);
        }
        c.debug.addPending(hits);
        if (hit != null && debuggerHit == null) {
            debuggerHit = hit;
        }
        // Ends the interpreter's block (or a REP string instruction) after this instruction or iteration.
        c.codeWritten();
    }

    /** The debugger watchpoint hit since the last call, or null; forgets it. */
    public GuestDebug.Watchpoint takeDebuggerHit() {
        GuestDebug.Watchpoint w = debuggerHit;
        debuggerHit = null;
        return w;
    }
}
