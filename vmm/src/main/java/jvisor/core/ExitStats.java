package jvisor.core;

import java.util.HashMap;
import java.util.Map;
import jvisor.engine.ExitReason;

/**
 * One processor's counters: exits by reason, port accesses by port, MMIO accesses by range.
 * Owned by its processor thread (no sharing on the exit path); summed when the VM stops.
 */
public final class ExitStats {
    private final long[] byReason = new long[ExitReason.values().length];
    private final long[] portReads = new long[0x1_0000];
    private final long[] portWrites = new long[0x1_0000];
    private final Map<String, long[]> mmioByRange = new HashMap<>();

    void exit(ExitReason reason) {
        byReason[reason.ordinal()]++;
    }

    void portRead(int port) {
        portReads[port]++;
    }

    void portWrite(int port) {
        portWrites[port]++;
    }

    void mmio(String range, boolean write) {
        mmioByRange.computeIfAbsent(range, k -> new long[2])[write ? 1 : 0]++;
    }

    public long exits(ExitReason reason) {
        return byReason[reason.ordinal()];
    }

    public long portReads(int port) {
        return portReads[port];
    }

    public long portWrites(int port) {
        return portWrites[port];
    }

    /** MMIO accesses by range name: {reads, writes}. */
    public Map<String, long[]> mmio() {
        return mmioByRange;
    }

    /** Adds {@code other}'s counts into this one. */
    public void add(ExitStats other) {
        for (int i = 0; i < byReason.length; i++) {
            byReason[i] += other.byReason[i];
        }
        for (int i = 0; i < portReads.length; i++) {
            portReads[i] += other.portReads[i];
            portWrites[i] += other.portWrites[i];
        }
        other.mmioByRange.forEach((k, v) -> {
            long[] mine = mmioByRange.computeIfAbsent(k, x -> new long[2]);
            mine[0] += v[0];
            mine[1] += v[1];
        });
    }
}
