package jvisor.engine.emu.region;

import jvisor.engine.emu.cpu.Cpu;

/**
 * Tier 1's unit of compiled code: a region of guest code (basic blocks of one page, or of a few
 * with jvisor.emu.chain, linked by their direct branches) turned into one JVM method, so HotSpot
 * sees the blocks as straight-line code and the branches between them as its own jumps. A region
 * is entered at its first block; it runs until a branch leaves it, an instruction it cannot
 * continue after (a mode change, a write into decoded code), or a branch back to an earlier block
 * finds the processor wanted elsewhere (an interrupt, a stop request).
 *
 * <p>The generated code works on the processor's registers and lazy flags where they live, one
 * instruction after the other, each doing whatever may fault before it changes anything; so a
 * guest fault raised in the middle of a region is precise: the state is that before the faulting
 * instruction, and {@link Cpu#faultRip} and {@link Cpu#faultRetired} say where it was and how many
 * instructions completed.
 */
public abstract class CompiledRegion {
    /**
     * Instructions a region compiled for C1 completes before it is compiled again for C2
     * ({@link JitPolicy}): C2's tens of milliseconds pay only for code that runs this long
     * (jvisor.emu.promote sets it). In a Linux boot (1,180 million instructions) 20 million
     * promoted 14 regions, whose compiles (C1 again, then C2 with on-stack replacements of their
     * loops) took about a sixth of C2's time and whose deoptimizations sent the processor back to
     * HotSpot's interpreter; 60 million promotes one, for 0.2-1.5 s less C2 time a boot and no
     * slower processor thread.
     */
    public static final long PROMOTE_AFTER = Long.getLong("jvisor.emu.promote", 60_000_000L);

    private long[] rips;
    private int[] positions;
    private long entry;
    private RegionPlan plan;
    private boolean hot;
    /**
     * Instructions completed here so far, by every processor (a count, not an exact one: each
     * processor adds its runs' in batches).
     */
    private long retired;
    private boolean promotionAsked;
    /** This region compiled for C2, once ready; the processors switch to it. */
    private volatile CompiledRegion promoted;

    protected CompiledRegion() { }

    final void describe(RegionPlan compiledPlan, boolean forC2, long[] instructionRips, int[] blockPositions) {
        this.plan = compiledPlan;
        this.hot = forC2;
        this.entry = compiledPlan.entryRip();
        this.rips = instructionRips;
        this.positions = blockPositions;
    }

    /**
     * Counts {@code done} more instructions completed here; returns true once, when the region
     * has run {@code promoteAfter} instructions and should be compiled again for C2 ({@link #promote}).
     */
    public final boolean ran(int done, long promoteAfter) {
        retired += done;
        if (retired < promoteAfter || hot || promotionAsked) {
            return false;
        }
        promotionAsked = true;
        return true;
    }

    /** The version compiled for C2 if it is ready, else null. */
    public final CompiledRegion promoted() {
        return promoted;
    }

    /** Compiles this region again as a class C2 may take (on the background compiler's thread). */
    public final void promote() {
        CompiledRegion r = RegionCompiler.compile(plan, true);
        if (r != null) {
            JitPolicy.compileBeforeUse(r.getClass());
            promoted = r;
        }
    }

    /**
     * Runs the region from its entry. Returns how many instructions completed; RIP is where the
     * guest continues. On a guest fault the registers hold the state before the faulting
     * instruction and the fault propagates.
     */
    public abstract int run(Cpu c);

    /** Where the region starts. */
    public final long entryRip() {
        return entry;
    }

    /** Called by the generated fault handler: instruction {@code at} faulted after {@code completed} blocks' worth. */
    protected final void faulted(Cpu c, int at, int completed) {
        c.faultRip = rips[at];
        c.faultRetired = completed + positions[at];
    }
}
