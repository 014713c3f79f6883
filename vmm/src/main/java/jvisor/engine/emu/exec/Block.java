package jvisor.engine.emu.exec;

import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.region.CompiledRegion;

/**
 * A basic block: instructions decoded once from one guest page (the last one may run into the
 * next page), valid while neither page's code epoch changes. Keyed by where it was entered (RIP,
 * CS base, mode) and by its host offset.
 */
final class Block {
    final Insn[] insns;
    final long rip;
    final long csBase;
    final int modeKey;
    /** Host offset of the first byte, or -1 for code outside RAM (never cached). */
    final long host;
    final int page;
    final int epoch;
    /** Second page for a block whose last instruction crosses a page boundary, else -1. */
    final int page2;
    final int epoch2;
    /** Linear address of the second page (for re-checking its translation). */
    final long lin2;
    final byte[] bytes;
    /**
     * The VM's {@link CodePages#untracked} count when this block's bytes (and its region members')
     * were last compared with memory: while it is the same, the page epochs alone vouch for them.
     */
    int compared;
    /** The processor's translation generation when the block was last found (see {@link Cpu#translationGen}). */
    int gen;
    /** The processor's {@link Cpu#fetchGen} when the block's fetch translation was last checked. */
    int fetchGen;
    /** Next block in the host-offset hash chain. */
    Block chain;
    /** How often the block ran interpreted; at the interpreter's threshold a region is compiled from here. */
    int heat;
    /**
     * Set by the background compiler when it dropped the region queued from here (its code had
     * stopped running): the processor then counts {@link #heat} again from none. Only the
     * processor writes heat, so no run of it is lost to a write from the compiler's thread.
     */
    volatile boolean cooled;
    /** The tier-1 region entered at this block, once compiled (published by the background compiler). */
    volatile CompiledRegion region;
    /**
     * Instructions the region entered here completed on this processor since they were last
     * counted into the region ({@link Interpreter#runRegion}): the region, which every processor
     * may run, is then written once in a million instructions rather than on every run.
     */
    int regionUncounted;
    /**
     * The blocks a region entered here was planned from, this one first, or null. The region is
     * only as current as all of them: where the cache re-checks this block's bytes against memory
     * (which the VMM itself may have rewritten without telling, as a loader or a test harness
     * does), it checks theirs too.
     */
    Block[] members;
    /**
     * The blocks the processor went on to after this block's region left it, the latest first
     * (links: {@link BlockCache#linked}), each with the VM's code {@link CodePages#generation} it
     * was current under.
     */
    Block next;
    Block next2;
    int nextGeneration;
    int next2Generation;

    /**
     * A block of {@code count} instructions, which the decoder then puts in {@link #insns}: the
     * array is made here, after the block, so that the block, its array and its instructions lie
     * in memory in the order the interpreter reads them.
     */
    Block(int count, long rip, long csBase, int modeKey, long host, CodePages pages, long host2, long lin2,
          byte[] bytes) {
        this.insns = new Insn[count];
        this.rip = rip;
        this.csBase = csBase;
        this.modeKey = modeKey;
        this.host = host;
        this.page = host < 0 ? -1 : (int) (host >>> 12);
        this.epoch = host < 0 ? 0 : pages.epoch(page);
        this.page2 = host2 < 0 ? -1 : (int) (host2 >>> 12);
        this.epoch2 = host2 < 0 ? 0 : pages.epoch(page2);
        this.lin2 = lin2;
        this.bytes = bytes;
        this.compared = pages.untracked();
    }

    boolean valid(CodePages pages) {
        return page >= 0 && pages.epoch(page) == epoch && (page2 < 0 || pages.epoch(page2) == epoch2);
    }
}
