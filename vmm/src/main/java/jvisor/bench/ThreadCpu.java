package jvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time of this JVM's threads by what they do: the guest's processors, HotSpot's two
 * compilers and tier 1's region generator, read from /proc/self/task (Linux). The compiler threads
 * are not Java threads the management beans report on, and a processor's thread ends with its VM,
 * so the processors' threads are sampled while the VM runs and each keeps the most it was seen
 * to use; one that ends loses at most one sampling period.
 */
final class ThreadCpu {
    /** Linux reports thread times in clock ticks of 1/100 s (USER_HZ on every architecture it runs Java on). */
    private static final double TICK_SECONDS = 0.01;
    private static final Path TASKS = Path.of("/proc/self/task");

    /** Seconds of CPU by kind of thread; all of the process's is {@code total}, ended threads included. */
    record Split(double processors, double c2, double c1, double tier1, double total) {
        static final String PREFIX = "jvisor-bench: cpu seconds ";

        /** The line the child reports on standard error. */
        String format() {
            return String.format(Locale.ROOT, "processors=%.2f c2=%.2f c1=%.2f tier1=%.2f total=%.2f",
                    processors, c2, c1, tier1, total);
        }

        /** The split {@link #format} wrote, or null if {@code text} is not one. */
        static Split parse(String text) {
            if (text == null) {
                return null;
            }
            Map<String, Double> v = new HashMap<>();
            for (String field : text.strip().split(" ")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    try {
                        v.put(field.substring(0, eq), Double.parseDouble(field.substring(eq + 1)));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            }
            if (!v.keySet().containsAll(List.of("processors", "c2", "c1", "tier1", "total"))) {
                return null;
            }
            return new Split(v.get("processors"), v.get("c2"), v.get("c1"), v.get("tier1"), v.get("total"));
        }
    }

    /** Per thread id, its name and the most ticks it was seen to use. */
    private final Map<String, Seen> threads = new HashMap<>();
    /** A thread's name and its user plus system time in ticks. */
    record Seen(String name, long ticks) { }

    /** Whether this system has /proc/self/task to read. */
    static boolean available() {
        return Files.isDirectory(TASKS);
    }

    /** Reads every live thread's time once. */
    synchronized void sample() {
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.forEach(t -> read(t.getFileName().toString()));
        } catch (IOException e) {
            // not Linux, or /proc is not mounted: nothing to count
        }
    }

    /**
     * Reads again the time of the processors' threads seen so far: they end with the VM, the
     * other threads counted live to the end of the JVM, where one last {@link #sample} reads them.
     */
    synchronized void sampleProcessors() {
        for (String tid : threads.keySet().toArray(String[]::new)) {
            if (isProcessor(threads.get(tid).name())) {
                read(tid);
            }
        }
    }

    private void read(String tid) {
        try {
            Seen now = parseStat(Files.readString(TASKS.resolve(tid).resolve("stat")));
            if (now != null) {
                threads.merge(tid, now, (a, b) -> b.ticks() >= a.ticks() ? b : a);
            }
        } catch (IOException e) {
            // the thread ended: its last sample stands
        }
    }

    /** Whether a thread is a guest processor's: cpu0, cpu1, ... (no regular expression: this runs often). */
    private static boolean isProcessor(String name) {
        if (!name.startsWith("cpu") || name.length() == 3) {
            return false;
        }
        for (int i = 3; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The times seen so far, with the process's total as the kernel counts it. */
    synchronized Split split() {
        double processors = 0;
        double c2 = 0;
        double c1 = 0;
        double tier1 = 0;
        for (Seen s : threads.values()) {
            double seconds = s.ticks() * TICK_SECONDS;
            String n = s.name();
            if (isProcessor(n)) {
                processors += seconds;
            } else if (n.startsWith("C2 Compiler")) {
                c2 += seconds;
            } else if (n.startsWith("C1 Compiler")) {
                c1 += seconds;
            } else if (n.equals("jvisor-tier1")) {
                tier1 += seconds;
            }
        }
        double total = 0;
        try {
            Seen process = parseStat(Files.readString(Path.of("/proc/self/stat")));
            total = process == null ? 0 : process.ticks() * TICK_SECONDS;
        } catch (IOException e) {
            // left at 0
        }
        return new Split(processors, c2, c1, tier1, total);
    }

    /**
     * A thread's name and user plus system ticks from a line of /proc/.../stat, or null if it is
     * not one. The name is between the first '(' and the last ')': it may hold both.
     */
    static Seen parseStat(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        // After the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt,
        // cmajflt, utime, stime, each after one space.
        long[] field = new long[2];
        int at = close + 1;
        for (int n = 0; n < 13; n++) {
            if (at >= line.length() || line.charAt(at) != ' ') {
                return null;
            }
            int end = line.indexOf(' ', at + 1);
            end = end < 0 ? line.strip().length() : end;
            if (n >= 11) {
                try {
                    field[n - 11] = Long.parseLong(line, at + 1, end, 10);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            at = end;
        }
        return new Seen(line.substring(open + 1, close), field[0] + field[1]);
    }
}
