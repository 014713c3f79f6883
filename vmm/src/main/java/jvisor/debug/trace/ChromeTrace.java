package jvisor.debug.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The trace as Chrome's trace-event format ("X" complete events, one lane per processor), for
 * Perfetto or chrome://tracing. Bounded: events deeper than {@code maxDepth} and past
 * {@link #MAX_EVENTS} per processor are counted, not kept.
 */
public final class ChromeTrace {
    static final int MAX_EVENTS = 500_000;

    private record Event(String name, long start, long duration) { }

    private final List<List<Event>> lanes = new ArrayList<>();
    private final long[] dropped;
    private final int maxDepth;

    public ChromeTrace(int processors, int maxDepth) {
        for (int i = 0; i < processors; i++) {
            lanes.add(new ArrayList<>());
        }
        dropped = new long[processors];
        this.maxDepth = maxDepth;
    }

    /** Called on processor {@code p}'s thread only. */
    void complete(int p, String name, long start, long duration, int depth) {
        List<Event> lane = lanes.get(p);
        if ((maxDepth > 0 && depth > maxDepth) || lane.size() >= MAX_EVENTS) {
            dropped[p]++;
            return;
        }
        lane.add(new Event(name, start, duration));
    }

    public long dropped() {
        long n = 0;
        for (long d : dropped) {
            n += d;
        }
        return n;
    }

    public void write(Path file) throws IOException {
        long origin = Long.MAX_VALUE;
        for (List<Event> lane : lanes) {
            for (Event e : lane) {
                origin = Math.min(origin, e.start);
            }
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
            boolean first = true;
            for (int p = 0; p < lanes.size(); p++) {
                w.write((first ? "" : ",\n") + "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + p
                        + ",\"args\":{\"name\":\"Processor " + p + "\"}}");
                first = false;
                for (Event e : lanes.get(p)) {
                    w.write(String.format(",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f}",
                            escape(e.name), p, (e.start - origin) / 1e3, e.duration / 1e3));
                }
            }
            w.write("\n]}\n");
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
