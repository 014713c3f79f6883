package jvisor.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a loader may put things in guest RAM: the usable ranges of the memory map inside a window
 * (multiboot addresses are 32-bit, and the IVT and BIOS data area belong to the firmware), minus
 * what has already been placed. Keeps kernel segments, modules and boot-information structures
 * from landing on each other or on the platform tables.
 */
public final class GuestPlacement {
    /** Something placed in guest RAM, {@code [base, base + size)}, named for messages. */
    public record Placed(String what, long base, long size) {
        public long end() {
            return base + size;
        }

        boolean overlaps(long otherBase, long otherSize) {
            return base < otherBase + otherSize && otherBase < base + size;
        }

        @Override
        public String toString() {
            return String.format("%s [%#x-%#x)", what, base, end());
        }
    }

    private final List<MemoryMap.Entry> loadable;
    private final List<Placed> placed = new ArrayList<>();

    /** Loadable RAM: the usable parts of {@code map} inside {@code [floor, ceiling)}. */
    public GuestPlacement(MemoryMap map, long floor, long ceiling) {
        List<MemoryMap.Entry> ranges = new ArrayList<>();
        for (MemoryMap.Entry e : map.usable()) {
            long base = Math.max(e.base(), floor);
            long end = Math.min(e.end(), ceiling);
            if (end > base) {
                ranges.add(new MemoryMap.Entry(base, end - base, MemoryMap.Type.USABLE));
            }
        }
        this.loadable = List.copyOf(ranges);
    }

    /** Whether {@code [base, base + size)} is loadable RAM (a zero size counts as its one address). */
    public boolean isLoadable(long base, long size) {
        long length = Math.max(size, 1);
        return loadable.stream().anyMatch(e -> base >= e.base() && base + length <= e.end() && base + length > base);
    }

    /** What already placed overlaps {@code [base, base + size)}, if anything. */
    public Optional<Placed> conflict(long base, long size) {
        return placed.stream().filter(p -> size > 0 && p.overlaps(base, size)).findFirst();
    }

    /** Whether {@code [base, base + size)} is loadable and free. */
    public boolean isFree(long base, long size) {
        return isLoadable(base, size) && conflict(base, size).isEmpty();
    }

    /** Records a placement; the caller has checked {@link #isFree}. */
    public Placed claim(String what, long base, long size) {
        if (!isFree(base, size)) {
            throw new IllegalStateException(String.format("%s at %#x+%#x is not free", what, base, size));
        }
        Placed p = new Placed(what, base, size);
        placed.add(p);
        return p;
    }

    /** The lowest {@code align}-aligned address at or above {@code from} where {@code size} bytes are free. */
    public OptionalLong findFree(long size, long align, long from) {
        for (MemoryMap.Entry e : loadable) {
            long candidate = alignUp(Math.max(from, e.base()), align);
            while (candidate + Math.max(size, 1) <= e.end()) {
                Optional<Placed> clash = conflict(candidate, size);
                if (clash.isEmpty()) {
                    return OptionalLong.of(candidate);
                }
                candidate = alignUp(clash.get().end(), align);
            }
        }
        return OptionalLong.empty();
    }

    /** Everything placed so far, in placement order. */
    public List<Placed> placed() {
        return List.copyOf(placed);
    }

    /** The loadable ranges, for messages. */
    public List<MemoryMap.Entry> loadable() {
        return loadable;
    }

    public static long alignUp(long value, long align) {
        return (value + align - 1) & -align;
    }
}
