package jvisor.bus;

import java.util.Arrays;

/**
 * BitVisor's {@code mmio_register}: guest-physical ranges outside RAM and their handlers.
 * Lookups binary-search an immutable sorted array, so registering (rare) never blocks a lookup
 * (every MMIO exit). Unhooked addresses go to the pass-through default.
 */
public final class MmioBus {
    /** A hooked range: its position, its handler and its name for stats and errors. */
    public record Mapping(AddressRange range, MmioHandler handler, String name) { }

    private volatile Mapping[] mappings = new Mapping[0];
    private volatile MmioHandler fallback;

    public MmioBus(MmioHandler fallback) {
        this.fallback = fallback;
    }

    public void setDefault(MmioHandler handler) {
        this.fallback = handler;
    }

    /** Hooks a range; rejects a range that overlaps one already hooked. */
    public synchronized void register(long base, long size, MmioHandler handler, String name) {
        AddressRange range = new AddressRange(base, size);
        for (Mapping m : mappings) {
            if (m.range().overlaps(range)) {
                throw new IllegalStateException("MMIO " + range + ": " + name + " overlaps " + m.name()
                        + " at " + m.range());
            }
        }
        Mapping[] grown = Arrays.copyOf(mappings, mappings.length + 1);
        grown[mappings.length] = new Mapping(range, handler, name);
        Arrays.sort(grown, (a, b) -> a.range().compareTo(b.range()));
        mappings = grown;
    }

    /** Removes the range hooked at exactly {@code base} (a PCI BAR that moved). */
    public synchronized void unregister(long base) {
        mappings = Arrays.stream(mappings).filter(m -> m.range().base() != base).toArray(Mapping[]::new);
    }

    /** The mapping containing {@code address}, or null if no device hooks it. */
    public Mapping find(long address) {
        Mapping[] table = mappings;
        int lo = 0;
        int hi = table.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            AddressRange r = table[mid].range();
            if (Long.compareUnsigned(address, r.base()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address - r.base(), r.size()) >= 0) {
                lo = mid + 1;
            } else {
                return table[mid];
            }
        }
        return null;
    }

    /** The handler for addresses no device hooks. */
    public MmioHandler unhooked() {
        return fallback;
    }

    public long read(long address, int size) {
        Mapping m = find(address);
        return m == null ? fallback.read(address, size) : m.handler().read(address - m.range().base(), size);
    }

    public void write(long address, int size, long value) {
        Mapping m = find(address);
        if (m == null) {
            fallback.write(address, size, value);
        } else {
            m.handler().write(address - m.range().base(), size, value);
        }
    }

    public Mapping[] mappings() {
        return mappings.clone();
    }
}
