package jvisor.engine.emu.region;

import jvisor.engine.emu.cpu.Cpu;

/**
 * Tier 1's unit of compiled code: a region of guest code (basic blocks of one page, linked by
 * their direct branches) turned into one JVM method, so HotSpot sees the blocks as straight-line
 * code and the branches between them as its own jumps. A region is entered at its first block;
 * it runs until a branch leaves it, an instruction it cannot continue after (a mode change, a
 * write into decoded code), or a branch back to an earlier block finds the processor wanted
 * elsewhere (an interrupt, a stop request).
 *
 * <p>The generated code works on the processor's registers and lazy flags where they live, one
 * instruction after the other, each doing whatever may fault before it changes anything; so a
 * guest fault raised in the middle of a region is precise: the state is that before the faulting
 * instruction, and {@link Cpu#faultRip} and {@link Cpu#faultRetired} say where it was and how many
 * instructions completed.
 */
public abstract class CompiledRegion {
    private long[] rips;
    private int[] positions;
    private long entry;

    protected CompiledRegion() { }

    final void describe(long entryRip, long[] instructionRips, int[] blockPositions) {
        this.entry = entryRip;
        this.rips = instructionRips;
        this.positions = blockPositions;
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
