package jvisor.engine.emu.cpu;

import jvisor.engine.Segment;

/**
 * A segment register with its hidden part, plus what the memory path needs precomputed: the
 * base it adds and the highest offset an access may reach without a closer look. Access rights
 * use the VMX layout of {@link Segment}.
 */
public final class SegmentRegister {
    private int selector;
    private long base;
    private int limit;
    private int access;

    /** Base added to offsets (0 for CS/DS/ES/SS in 64-bit mode). */
    long effectiveBase;
    /**
     * Exclusive end offset (unsigned) a read may reach on the fast path: limit + 1, all ones when
     * nothing is checked, 0 when every read must take the slow path (which faults or checks
     * expand-down limits).
     */
    long readEnd;
    long writeEnd;

    public int selector() {
        return selector;
    }

    public long base() {
        return base;
    }

    /** The effective byte limit, already scaled by the granularity bit. */
    public int limit() {
        return limit;
    }

    public int access() {
        return access;
    }

    public int dpl() {
        return (access >>> Segment.DPL_SHIFT) & 3;
    }

    public int type() {
        return access & Segment.TYPE_MASK;
    }

    public boolean unusable() {
        return (access & Segment.UNUSABLE) != 0;
    }

    public boolean isCode() {
        return (access & Segment.S) != 0 && (access & 8) != 0;
    }

    /** D/B bit: 32-bit default operand size for code, 32-bit stack pointer for stack segments. */
    public boolean big() {
        return (access & Segment.DB) != 0;
    }

    public boolean longMode() {
        return (access & Segment.LONG) != 0;
    }

    public void load(int selector, long base, int limit, int access) {
        this.selector = selector & 0xFFFF;
        this.base = base;
        this.limit = limit;
        this.access = access;
    }

    /** Real mode and virtual-8086 loads: only the selector and base change. */
    public void loadReal(int selector) {
        this.selector = selector & 0xFFFF;
        this.base = (long) (selector & 0xFFFF) << 4;
    }

    public void setBase(long base) {
        this.base = base;
    }

    /** Marks a null selector loaded in protected mode. */
    public void loadNull(int selector) {
        this.selector = selector & 0xFFFF;
        this.base = 0;
        this.limit = 0;
        this.access = Segment.UNUSABLE;
    }

    /**
     * What a return to an outer privilege level does to a data segment the new level may not
     * use: only the selector becomes null (the segment unusable); the hidden base and limit stay,
     * so a 64-bit FS or GS keeps its base.
     */
    void invalidate() {
        this.selector = 0;
        this.access = Segment.UNUSABLE;
    }

    public Segment toSegment() {
        return new Segment(selector, base, limit, access);
    }

    public void fromSegment(Segment s) {
        load(s.selector(), s.base(), s.limit(), s.access());
    }

    /**
     * Recomputes the fast-path fields. In 64-bit mode only FS and GS have a base and nothing has
     * a limit; elsewhere expand-up data and readable code get a limit check on the fast path and
     * everything else (expand-down, unusable, wrong type) takes the slow path, which faults.
     */
    void refresh(boolean mode64, boolean hasBase64, boolean protectedMode) {
        if (mode64) {
            effectiveBase = hasBase64 ? base : 0;
            readEnd = -1L;
            writeEnd = -1L;
            return;
        }
        effectiveBase = base & 0xFFFF_FFFFL;
        long end = (limit & 0xFFFF_FFFFL) + 1;
        if (!protectedMode) {
            readEnd = end;
            writeEnd = end;
            return;
        }
        boolean usable = !unusable() && (access & Segment.S) != 0;
        boolean code = (access & 8) != 0;
        boolean expandDown = !code && (access & 4) != 0;
        boolean readable = usable && !expandDown && (!code || (access & 2) != 0);
        boolean writable = usable && !expandDown && !code && (access & 2) != 0;
        readEnd = readable ? end : 0;
        writeEnd = writable ? end : 0;
    }

    @Override
    public String toString() {
        return toSegment().toString();
    }
}
