package jvisor.engine;

/**
 * A segment register with its hidden part. {@code limit} is the effective byte limit (already
 * scaled by the granularity bit); {@code access} uses the VMX access-rights layout.
 */
public record Segment(int selector, long base, int limit, int access) {
    public static final int TYPE_MASK = 0xF;
    public static final int S = 1 << 4;
    public static final int DPL_SHIFT = 5;
    public static final int PRESENT = 1 << 7;
    public static final int AVL = 1 << 12;
    public static final int LONG = 1 << 13;
    public static final int DB = 1 << 14;
    public static final int GRANULARITY = 1 << 15;
    public static final int UNUSABLE = 1 << 16;

    /** Type values for code/data segments (S = 1) and system segments (S = 0). */
    public static final int TYPE_DATA_RW_ACCESSED = 0x3;
    public static final int TYPE_CODE_RX_ACCESSED = 0xB;
    public static final int TYPE_LDT = 0x2;
    public static final int TYPE_TSS16_BUSY = 0x3;
    public static final int TYPE_TSS_BUSY = 0xB;

    public Segment {
        if (selector < 0 || selector > 0xFFFF) {
            throw new IllegalArgumentException("selector out of range: " + selector);
        }
    }

    public int type() {
        return access & TYPE_MASK;
    }

    public int dpl() {
        return (access >>> DPL_SHIFT) & 3;
    }

    public boolean present() {
        return (access & PRESENT) != 0;
    }

    public boolean unusable() {
        return (access & UNUSABLE) != 0;
    }

    /** A flat 4 GiB 32-bit code segment, as multiboot prescribes for CS. */
    public static Segment flatCode32(int selector) {
        return new Segment(selector, 0, 0xFFFF_FFFF,
                TYPE_CODE_RX_ACCESSED | S | PRESENT | DB | GRANULARITY);
    }

    /** A 64-bit code segment (L = 1, D = 0). */
    public static Segment code64(int selector) {
        return new Segment(selector, 0, 0xFFFF_FFFF,
                TYPE_CODE_RX_ACCESSED | S | PRESENT | LONG | GRANULARITY);
    }

    /** A flat 4 GiB writable data segment. */
    public static Segment flatData32(int selector) {
        return new Segment(selector, 0, 0xFFFF_FFFF,
                TYPE_DATA_RW_ACCESSED | S | PRESENT | DB | GRANULARITY);
    }

    /** A real-mode segment: base = selector * 16, 64 KiB limit. */
    public static Segment realMode(int selector, boolean code) {
        return new Segment(selector, (long) selector << 4, 0xFFFF,
                (code ? TYPE_CODE_RX_ACCESSED : TYPE_DATA_RW_ACCESSED) | S | PRESENT);
    }

    /** The task register's state after reset: a busy 16-bit TSS at 0 (VMX requires a busy TSS). */
    public static Segment resetTaskRegister() {
        return new Segment(0, 0, 0xFFFF, TYPE_TSS_BUSY | PRESENT);
    }

    public static Segment resetLdt() {
        return new Segment(0, 0, 0xFFFF, TYPE_LDT | PRESENT);
    }

    @Override
    public String toString() {
        return String.format("sel=%04x base=%016x limit=%08x access=%05x", selector, base, limit, access);
    }
}
