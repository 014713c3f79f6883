package jvisor.devices;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.IrqLine;

/** An interrupt line that remembers every level it was driven to. */
final class RecordingIrqLine implements IrqLine {
    private final List<Boolean> levels = new ArrayList<>();

    @Override
    public synchronized void set(boolean asserted) {
        levels.add(asserted);
    }

    synchronized boolean level() {
        return !levels.isEmpty() && levels.getLast();
    }

    /** How many times the line went from low to high. */
    synchronized int risingEdges() {
        int edges = 0;
        boolean previous = false;
        for (boolean level : levels) {
            if (level && !previous) {
                edges++;
            }
            previous = level;
        }
        return edges;
    }

    synchronized List<Boolean> levels() {
        return List.copyOf(levels);
    }
}
