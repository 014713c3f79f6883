package jvisor.engine.emu.exec;

import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.Segment;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.DataWatch;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Interrupts;
import jvisor.engine.emu.cpu.StateTransfer;
import jvisor.engine.emu.cpu.Vectors;
import jvisor.engine.emu.decode.Decoder;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.region.CompiledRegion;
import jvisor.engine.emu.region.RegionCompiler;
import jvisor.engine.emu.region.RegionPlan;

/**
 * Runs one processor: decoded blocks one after the other, interpreted (tier 0) until one has run
 * {@link #HOT} times, then the region of blocks around it compiled to bytecode (tier 1,
 * {@link RegionCompiler}).
 * Between blocks it takes the events the local interrupt controller has (INIT, SIPI, NMI,
 * interrupts), halts, and notices a stop request. Faults raised inside a block unwind to here and
 * are delivered to the guest.
 */
public final class Interpreter {
    private final Cpu c;
    private final BlockCache cache;
    private final SharedRegions shared;
    private boolean waitingForSipi;
    private long retired;
    /** What happened last, kept as numbers so recording it allocates nothing; described on demand. */
    private int eventKind = EVENT_NONE;
    private int eventVector;
    private int eventCode;
    private long eventRip;
    private boolean shutdownSeen;

    private static final int EVENT_NONE = 0;
    private static final int EVENT_STOPPED = 1;
    private static final int EVENT_HALT = 2;
    private static final int EVENT_INTERRUPT = 3;
    private static final int EVENT_INIT = 4;
    private static final int EVENT_SIPI = 5;
    private static final int EVENT_EXCEPTION = 6;

    public Interpreter(Cpu c, SharedRegions shared) {
        this.c = c;
        this.shared = shared;
        this.cache = new BlockCache(new Decoder(BaseOpcodes.maps()), c);
        this.waitingForSipi = c.index() != 0;
    }

    /** From any thread: the current or next {@link #run()} returns STOPPED promptly. */
    public void requestStop() {
        c.stopRequested = true;
        LocalInterrupts apic = c.lapic();
        if (apic != null) {
            apic.wake();
        }
    }

    /**
     * The block that ran last in this slice, unless it faulted: the next block is first looked
     * for among its links ({@link BlockCache#linked}), then in the cache.
     */
    private Block lastExit;

    /** Instructions completed in compiled regions so far, and how often a region ran. */
    private long inRegions;
    private long regionRuns;

    public long retiredInRegions() {
        return inRegions;
    }

    /** How often a decoded block's bytes were compared with memory to find it current (tests). */
    public long codeComparisons() {
        return cache.comparisons();
    }

    public long regionRuns() {
        return regionRuns;
    }

    /** Regions the background compiler of this JVM has compiled (for every processor and VM). */
    public static long regionsCompiled() {
        return BackgroundCompiler.published();
    }

    /** Regions the background compiler of this JVM dropped unbuilt, their code no longer running. */
    public static long regionsDropped() {
        return BackgroundCompiler.dropped();
    }

    /** Instructions completed so far. */
    public long retired() {
        return retired;
    }

    public String lastEvent() {
        String what = switch (eventKind) {
            case EVENT_STOPPED -> "stopped by the VMM";
            case EVENT_HALT -> "HLT with interrupts disabled at " + Long.toHexString(eventRip);
            case EVENT_INTERRUPT -> "interrupt " + eventVector;
            case EVENT_INIT -> "INIT";
            case EVENT_SIPI -> "SIPI vector " + Integer.toHexString(eventVector);
            case EVENT_EXCEPTION -> "exception " + Vectors.name(eventVector)
                    + (eventCode >= 0 ? " error " + Integer.toHexString(eventCode) : "") + " at " + Long.toHexString(eventRip);
            default -> "none yet";
        };
        return shutdownSeen ? "triple fault (shutdown) after " + what : what;
    }

    public boolean waitingForSipi() {
        return waitingForSipi;
    }

    /** The VMM loaded a state: an AP given one by the VMM starts running instead of waiting for SIPI. */
    public void stateLoaded() {
        waitingForSipi = false;
        shutdownSeen = false;
    }

    public ExitReason run() {
        LocalInterrupts apic = c.lapic();
        while (true) {
            if (c.stopRequested) {
                if (c.hypercall) {
                    c.hypercall = false;
                    return ExitReason.HYPERCALL;
                }
                if (debugExit) {
                    debugExit = false;
                    return ExitReason.DEBUG;
                }
                c.stopRequested = false;
                eventKind = EVENT_STOPPED;
                return ExitReason.STOPPED;
            }
            if (c.shutdown) {
                shutdownSeen = true;
                return ExitReason.SHUTDOWN;
            }
            if (waitingForSipi || c.halted || (!c.inhibitInterrupts && apic.hasEvents(c.interruptsEnabled()))) {
                ExitReason r = events(apic);
                if (r != null) {
                    return r;
                }
                if (waitingForSipi || c.halted) {
                    continue;
                }
            }
            if (c.cpuCount > 1) {
                c.mmu.checkCodeEpoch();
            }
            c.mmu.checkMapEpochBetweenBlocks();
            runBlocks(apic);
        }
    }

    /**
     * Runs blocks until something needs the outer loop: an event, a halt, a stop request, or
     * {@link #SLICE} blocks. A method of its own so HotSpot compiles it normally (a long-running
     * loop would only get on-stack replacement, which is not redone after a deoptimization).
     */
    private void runBlocks(LocalInterrupts apic) {
        // Whatever happened between slices (an interrupt, an INIT) is no path to link.
        lastExit = null;
        for (int n = 0; n < SLICE; n++) {
            runBlock();
            if (c.stopRequested || c.halted || c.shutdown || c.inhibitInterrupts
                    || apic.hasEvents(c.interruptsEnabled())) {
                return;
            }
        }
    }

    private static final int SLICE = 4096;

    private ExitReason events(LocalInterrupts apic) {
        if (apic.takeInit()) {
            init();
        }
        if (waitingForSipi) {
            int vector = apic.takeSipi();
            if (vector >= 0) {
                startup(vector);
            } else {
                apic.awaitEvent();
            }
            return null;
        }
        // A debugger's single step lands on the next instruction, not in a handler (QEMU's
        // SSTEP_NOIRQ); a halted processor still takes interrupts, or the step would never end.
        boolean masked = stepping() && !c.halted;
        if (!masked && !c.nmiBlocked && apic.takeNmi()) {
            c.halted = false;
            c.nmiBlocked = true;
            external(Vectors.NMI);
            return null;
        }
        if (!masked && c.interruptsEnabled() && !c.inhibitInterrupts) {
            int vector = apic.pendingInterrupt();
            if (vector >= 0) {
                apic.acknowledge(vector);
                c.halted = false;
                external(vector);
                return null;
            }
        }
        if (c.halted) {
            if (apic.takeUnhalt()) {
                c.halted = false; // KVM_HC_KICK_CPU from another processor
                return null;
            }
            if (!c.interruptsEnabled() && c.cpuCount == 1) {
                eventKind = EVENT_HALT;
                eventRip = c.rip();
                return ExitReason.HLT;
            }
            // With IF = 0 a pending interrupt does not end the wait: only what could (NMI, a kick).
            apic.awaitEvent(c.interruptsEnabled());
        }
        return null;
    }

    private void external(int vector) {
        eventKind = EVENT_INTERRUPT;
        eventVector = vector;
        long from = c.rip();
        if (!Interrupts.deliver(c, vector, CpuFault.NO_ERROR_CODE, Interrupts.Source.EXTERNAL, c.rip(), c.rip())) {
            c.shutdown = true;
        } else if (observer != null) {
            observer.transfer(c, ControlObserver.EVENT, from);
        }
    }

    /** INIT: the processor resets; an AP then waits for a startup IPI. */
    private void init() {
        StateTransfer.write(c, CpuState.reset(c.index() == 0));
        c.nmiBlocked = false;
        waitingForSipi = c.index() != 0;
        eventKind = EVENT_INIT;
    }

    /** SIPI: real mode at vector * 4096. */
    private void startup(int vector) {
        int selector = (vector & 0xFF) << 8;
        c.seg(Cpu.CS).load(selector, (long) selector << 4, 0xFFFF,
                Segment.TYPE_CODE_RX_ACCESSED | Segment.S | Segment.PRESENT);
        c.setRip(0);
        c.updateMode();
        waitingForSipi = false;
        c.halted = false;
        eventKind = EVENT_SIPI;
        eventVector = vector;
    }

    private void runBlock() {
        if (watched || c.debugAttention && c.debug.execArmed()) {
            runWatched();
            return;
        }
        Block from = lastExit;
        Block b = from == null ? null : cache.linked(c, from);
        if (b == null) {
            try {
                b = cache.find(c);
            } catch (CpuFault f) {
                fault(f, c.rip());
                return;
            }
            if (from != null) {
                cache.link(c, from, b);
            }
        }
        lastExit = b;
        // The common case first: a block whose region is compiled, with no single step pending.
        if (b.region != null && !c.inhibitInterrupts && !c.flag(Flags.TF | Flags.RF)) {
            runRegion(b);
        } else {
            execute(b, false);
        }
        if (c.debugAttention && c.debug.pending() != 0) {
            GuestBreakpoints.dataTrap(c);
        }
    }

    /** Runs block {@code b} (only its first instruction if {@code single}); returns how many instructions of it completed. */
    private int execute(Block b, boolean single) {
        boolean trap = c.flag(Flags.TF);
        boolean one = single || c.inhibitInterrupts || c.flag(Flags.TF | Flags.RF);
        if (one) {
            c.inhibitInterrupts = false;
            c.stackShadow = false;
            c.stepTrapSettled = false;
            // RF spares only the instruction about to run; it is clear once it completes (IRET may set it again).
            c.setFlag(Flags.RF, false);
        } else if (watched) {
            // A debugger or the call tracer watches: interpreted only, so each block's end is seen.
        } else if (b.region != null) {
            // Before the block's instructions are touched: a region does not need them.
            return runRegion(b);
        } else {
            int compileAt = compileAt(b);
            if (++b.heat < compileAt ? warming(b, compileAt)
                    : b.heat == compileAt ? compile(b) : b.cooled && recount(b)) {
                return runRegion(b);
            }
        }
        Insn[] insns = b.insns;
        int n = one ? 1 : insns.length;
        int k = 0;
        try {
            int last = n - 1;
            for (; k < last; k++) {
                Insn i = insns[k];
                FastForms.exec(c, i);
                if (c.codeWritten) {
                    c.codeWritten = false;
                    c.setRip(i.nextRip());
                    retired += k + 1;
                    return k + 1;
                }
            }
            Insn i = insns[last];
            c.setRip(i.nextRip());
            FastForms.exec(c, i);
            c.codeWritten = false;
        } catch (CpuFault f) {
            retired += k;
            c.codeWritten = false;
            Insn x = insns[k];
            if (f.isNonCanonical() && x.isMemory() && x.seg() == Cpu.SS) {
                f = c.fault(Vectors.SS, 0);
            }
            fault(f, x.rip());
            return k;
        }
        retired += n;
        // No trap after MOV SS/POP SS (the next instruction takes it) nor after an instruction
        // that settled its own (Cpu.stepTrapSettled); a single-stepped HLT takes it at once.
        if (trap && !c.stackShadow && !c.stepTrapSettled) {
            c.halted = false;
            c.setDr6Bits(jvisor.engine.DebugRegisters.DR6_BS);
            if (!Interrupts.deliver(c, Vectors.DB, CpuFault.NO_ERROR_CODE, Interrupts.Source.EXCEPTION, c.rip(),
                    c.rip())) {
                c.shutdown = true;
            }
        }
        return n;
    }

    /** The debugger's breakpoints and single-step (null: none); see {@link #runWatched()}. */
    private jvisor.engine.GuestDebug debug;
    /** The call tracer (null: none). */
    private ControlObserver observer;
    /** debug or observer is set: checked once per block, so neither costs anything while off. */
    private boolean watched;
    /** The breakpoint the processor stopped at: the next run executes it instead of stopping again. */
    private long resumeFrom = -1;
    private boolean debugExit;
    /** The debugger watchpoint the last DEBUG exit stopped after, or null. */
    private jvisor.engine.GuestDebug.Watchpoint watchHit;

    /** The debugger's watchpoint behind the last DEBUG exit, null if it was a breakpoint or a step. */
    public jvisor.engine.GuestDebug.Watchpoint watchHit() {
        return watchHit;
    }

    private boolean stepping() {
        jvisor.engine.GuestDebug d = debug;
        return d != null && d.singleStep();
    }

    public void setDebug(jvisor.engine.GuestDebug d) {
        debug = d;
        watched = debug != null || observer != null;
        c.mmu.watch.setDebugger(d == null ? NO_WATCHPOINTS : d.watchpoints().toArray(NO_WATCHPOINTS));
    }

    private static final jvisor.engine.GuestDebug.Watchpoint[] NO_WATCHPOINTS = {};

    public void setControlObserver(ControlObserver o) {
        observer = o;
        watched = debug != null || observer != null;
    }

    /**
     * One block under a debugger or the tracer: stops before a breakpoint, runs one instruction at
     * a time while stepping or while a breakpoint lies inside the block, and shows the tracer each
     * call and return.
     */
    private void runWatched() {
        jvisor.engine.GuestDebug d = debug;
        long rip = c.rip();
        if (d != null && d.stopsAt(rip) && rip != resumeFrom) {
            resumeFrom = rip;
            stopForDebugger();
            return;
        }
        resumeFrom = -1;
        watchHit = null;
        if (c.debug.pending() != 0) {
            GuestBreakpoints.dataTrap(c); // held over a stop for the debugger's watchpoint
        }
        boolean guestBreakpoints = c.debug.execArmed();
        if (guestBreakpoints && GuestBreakpoints.instructionFault(c)) {
            if (d != null && d.singleStep()) {
                stopForDebugger();
            }
            return;
        }
        Block b;
        try {
            b = cache.find(c);
        } catch (CpuFault f) {
            fault(f, c.rip());
            if (d != null && d.singleStep()) {
                stopForDebugger();
            }
            return;
        }
        boolean resuming = c.flag(Flags.RF);
        boolean single = d != null && (d.singleStep() || breakpointInside(d, b))
                || guestBreakpoints && (resuming || GuestBreakpoints.inside(c, b));
        int done = execute(b, single);
        if (guestBreakpoints && resuming && done > 0 && c.flag(Flags.RF)) {
            c.setFlag(Flags.RF, false); // RF spares one instruction from its breakpoint
        }
        jvisor.engine.GuestDebug.Watchpoint w = c.mmu.watch.takeDebuggerHit();
        if (w != null && d != null) {
            watchHit = w;
            stopForDebugger();
        } else if (c.debug.pending() != 0) {
            GuestBreakpoints.dataTrap(c);
        }
        ControlObserver o = observer;
        if (o != null && done > 0) {
            Insn last = b.insns[done - 1];
            int kind = ControlObserver.kindOf(last);
            if (kind != ControlObserver.NONE) {
                o.transfer(c, kind, last.rip());
            }
        }
        if (d != null && d.singleStep()) {
            stopForDebugger();
        }
    }

    private static boolean breakpointInside(jvisor.engine.GuestDebug d, Block b) {
        for (int k = 1; k < b.insns.length; k++) {
            if (d.stopsAt(b.insns[k].rip())) {
                return true;
            }
        }
        return false;
    }

    /** Ends the run with a DEBUG exit, the way a VMCALL ends it with a HYPERCALL one. */
    private void stopForDebugger() {
        debugExit = true;
        c.stopRequested = true;
    }

    /**
     * Blocks that ran this often in the interpreter (longer ones fewer times: {@link #compileAt}),
     * on all processors together, start a compiled region (jvisor.emu.tier1=false turns tier 1
     * off, jvisor.emu.hot sets the count). A region's class costs as much to build, load and have C1 compile as ten thousand or so interpreted runs
     * of its blocks. In a Linux boot 2,000 made 3,100 regions, of which the last 2,000 ran 1% of
     * what regions ran; 5,000 makes 1,900 covering 80% of the instructions, 10,000 makes 1,100
     * covering 72%. Since the background compiler skips regions whose code stopped running, 5,000
     * builds about 1,000 (87% of the instructions); 10,000 then saved C1 and tier 1 about a second
     * a boot, but a 2-processor boot's processors took more CPU.
     */
    static final int HOT = Boolean.parseBoolean(System.getProperty("jvisor.emu.tier1", "true"))
            ? Integer.getInteger("jvisor.emu.hot", 5_000) : -1;
    private int compileThreshold = HOT;
    private long promoteAfter = CompiledRegion.PROMOTE_AFTER;
    private boolean compileForC2;

    /**
     * Whether regions compiled on this thread are made for C2 at once (tests of that form of the
     * code). Decoded blocks and regions made before are forgotten, as by {@link #setCompileThreshold}.
     */
    public void setCompileForC2(boolean forC2) {
        if (forC2 != compileForC2) {
            flushCode();
        }
        compileForC2 = forC2;
    }

    /** After how many instructions completed in a region it is compiled again for C2 (tests make it small). */
    public void setPromoteAfter(long instructions) {
        promoteAfter = instructions;
        countEvery = countEvery(instructions);
    }

    /**
     * A block below the compile threshold ran again: at 8, 16, 32, ... runs it looks for the
     * region another processor compiled for the same code, so code another processor made hot is
     * compiled for this one within a few runs, for a handful of lookups per block. With several
     * processors it also adds its runs to theirs at those points and every {@link #SHARE_EVERY}
     * runs past them ({@link SharedRegions#warmed}), and compiles the region once all of them
     * together ran it {@code compileAt} times ({@link #compileAt}). Returns whether the block now has a region.
     */
    private boolean warming(Block b, int compileAt) {
        int heat = b.heat;
        boolean powerOfTwo = (heat & (heat - 1)) == 0;
        if (heat < 8 || !powerOfTwo && (c.cpuCount == 1 || (heat & (SHARE_EVERY - 1)) != 0)) {
            return false;
        }
        if (shared.adopt(b, cache::sameBytes)) {
            return true;
        }
        if (c.cpuCount == 1) {
            return false;
        }
        int runs = heat > SHARE_EVERY ? SHARE_EVERY : heat == 8 ? 8 : heat / 2; // since the last report
        if (shared.warmed(b, runs, compileAt, c.index())) {
            b.heat = compileAt; // as if it had got there here: this processor compiles it once
            return compile(b);
        }
        return false;
    }

    /**
     * The background compiler dropped {@code b}'s region unbuilt: its runs count again, this one
     * the first. Returns whether the block now has a region (as {@link #compile}).
     */
    private boolean recount(Block b) {
        b.cooled = false;
        b.heat = 1;
        return compileThreshold == 1 && compile(b);
    }

    /**
     * Interpreted runs after which block {@code b} starts a region: {@link #compileThreshold} for a
     * block of up to {@link #TYPICAL_BLOCK} instructions, proportionally fewer for a longer one (down
     * to an eighth), so that a long block is compiled after about as many instructions interpreted
     * as a typical one. Unrolled code with 64-instruction blocks (the kernel's SHA-256, which hashes
     * every module it loads) otherwise ran 320,000 instructions of each block interpreted first.
     */
    private int compileAt(Block b) {
        int length = b.insns.length;
        if (length <= TYPICAL_BLOCK || compileThreshold <= 1) {
            return compileThreshold;
        }
        return Math.max(compileThreshold * TYPICAL_BLOCK / length, (compileThreshold + 7) / 8);
    }

    /** Instructions in a block that counts as one run towards {@link #compileThreshold}; a longer block counts more. */
    private static final int TYPICAL_BLOCK = 8;

    /** Past its 256th run, a block adds its runs to the other processors' every this many runs. */
    private static final int SHARE_EVERY = 256;
    private boolean compileInBackground = true;

    /**
     * After how many interpreted runs a block starts a compiled region, and whether it is compiled
     * on the background compiler or right there on this thread (so a test knows which runs are
     * compiled: there, the region also takes in the blocks its branches reach on the page that
     * have not run yet, and runs at once); 0 or less never compiles.
     */
    public void setCompileThreshold(int runs, boolean inBackground) {
        // A block's run count and region belong to the tier it ran in: a test that runs the same
        // code interpreted and then compiled would otherwise find it past the threshold (it never
        // compiles) or already compiled in the other form.
        flushCode();
        compileThreshold = runs;
        compileInBackground = inBackground;
    }

    /** Compiles or queues the region entered at {@code b}; returns whether it is ready to run now. */
    private boolean compile(Block b) {
        if (shared.adopt(b, cache::sameBytes)) {
            return true;
        }
        RegionPlan plan = cache.plan(c, b, !compileInBackground);
        if (plan == null) {
            return false;
        }
        if (compileInBackground) {
            if (!BackgroundCompiler.submit(b, plan, shared)) {
                b.heat = 0;
            }
            return false;
        }
        b.region = RegionCompiler.compile(plan, compileForC2);
        if (b.region == null) {
            return false;
        }
        shared.publish(b, b.region);
        return true;
    }

    /**
     * Runs a compiled region; a fault inside it is delivered at the instruction that raised it.
     * Returns how many instructions completed.
     */
    private int runRegion(Block b) {
        CompiledRegion region = b.region;
        int done;
        DataWatch watch = c.mmu.watch;
        try {
            watch.replayInstead = true;
            done = region.run(c);
        } catch (CpuFault f) {
            watch.replayInstead = false;
            retired += c.faultRetired;
            inRegions += c.faultRetired;
            c.codeWritten = false;
            if (f.isNonCanonical()) {
                // Compiled code does not know which accesses go through SS: the interpreter runs
                // the instruction again from the state it faulted in, and raises #SS or #GP.
                return c.faultRetired + interpretOne(c.faultRip);
            }
            fault(f, c.faultRip);
            return c.faultRetired;
        } finally {
            watch.replayInstead = false;
        }
        retired += done;
        inRegions += done;
        regionRuns++;
        c.codeWritten = false;
        int uncounted = b.regionUncounted + done;
        if (uncounted >= countEvery) {
            count(b, region, uncounted);
            uncounted = 0;
        }
        b.regionUncounted = uncounted;
        return done;
    }

    /**
     * Instructions a block's region completes on this processor before they are counted into the
     * region, which every processor may run: writing it on every run made its cache line move
     * between the processors running the same kernel code.
     */
    private static final int COUNT_EVERY = 1 << 20;
    private int countEvery = countEvery(CompiledRegion.PROMOTE_AFTER);

    private static int countEvery(long promoteAfter) {
        return (int) Math.max(0, Math.min(promoteAfter, COUNT_EVERY));
    }

    /**
     * Counts {@code instructions} the region entered at {@code b} completed: asks for its C2
     * version once it has run long enough, and has the block run that version once it is ready.
     */
    private void count(Block b, CompiledRegion region, int instructions) {
        if (region.ran(instructions, promoteAfter)) {
            if (compileInBackground) {
                BackgroundCompiler.promote(region);
            } else {
                region.promote();
            }
        }
        CompiledRegion promoted = region.promoted();
        if (promoted != null) {
            b.region = promoted;
            switchedToPromoted++;
        }
    }

    private int switchedToPromoted;

    /** How often a block went over to its region's version for C2 (for tests). */
    int switchedToPromoted() {
        return switchedToPromoted;
    }

    /**
     * Runs the instruction at {@code rip} alone in the interpreter, which compiled code left to it
     * (a fault it cannot classify, a watched access); returns 1 if it completed.
     */
    private int interpretOne(long rip) {
        c.setRip(rip);
        Block b;
        try {
            b = cache.find(c);
        } catch (CpuFault f) {
            fault(f, rip);
            return 0;
        }
        return execute(b, true);
    }

    private void fault(CpuFault f, long rip) {
        // The exception handler is no successor of the block worth a link.
        lastExit = null;
        if (f.vector() == DataWatch.REPLAY) {
            // Compiled code reached a watched address (the instruction runs again where the hit is
            // recorded and reported when it completes) or, in a region for C2, missed the TLB on
            // an instruction's first access (the interpreter's access walks the page tables).
            interpretOne(rip);
            return;
        }
        // The instruction did not complete: what it accessed is not reported.
        c.debug.clearPending();
        int vector = f.vector();
        int code = f.errorCode();
        eventKind = EVENT_EXCEPTION;
        eventVector = vector;
        eventCode = code;
        eventRip = rip;
        c.setRip(rip);
        if (!Interrupts.deliver(c, vector, code, Interrupts.Source.EXCEPTION, rip, rip)) {
            c.shutdown = true;
        } else if (observer != null) {
            observer.transfer(c, ControlObserver.EVENT, rip);
        }
    }

    /** Forgets decoded code and the VM's compiled regions (after the VMM rewrote guest memory wholesale). */
    public void flushCode() {
        lastExit = null;
        cache.clear();
        shared.clear();
    }
}
