package jvisor.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** A backend's counters: written by its threads, read by anyone (the monitor, {@code --stats}). */
public final class NetStats {
    private static final NetCounter[] ALL = NetCounter.values();
    private final AtomicLongArray counts = new AtomicLongArray(ALL.length);

    public void increment(NetCounter c) {
        counts.getAndIncrement(c.ordinal());
    }

    public void add(NetCounter c, long n) {
        counts.getAndAdd(c.ordinal(), n);
    }

    public long get(NetCounter c) {
        return counts.get(c.ordinal());
    }

    /** The sum of every counter of one kind. */
    public long total(NetCounter.Kind kind) {
        long sum = 0;
        for (NetCounter c : ALL) {
            if (c.kind() == kind) {
                sum += get(c);
            }
        }
        return sum;
    }

    /** The counters that are not zero, in declaration order. */
    public Map<NetCounter, Long> nonZero() {
        Map<NetCounter, Long> m = new EnumMap<>(NetCounter.class);
        for (NetCounter c : ALL) {
            long v = get(c);
            if (v != 0) {
                m.put(c, v);
            }
        }
        return m;
    }

    /** One line per non-zero counter, for {@code --stats}. */
    public String report() {
        StringBuilder s = new StringBuilder();
        nonZero().forEach((c, v) -> s.append(String.format("  %-52s %,d%n", c.description(), v)));
        return s.toString();
    }

    @Override
    public String toString() {
        return nonZero().toString();
    }
}
