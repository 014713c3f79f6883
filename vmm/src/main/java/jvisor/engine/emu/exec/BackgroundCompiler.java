package jvisor.engine.emu.exec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.emu.region.CompiledRegion;
import jvisor.engine.emu.region.RegionCompiler;
import jvisor.engine.emu.region.RegionPlan;

/**
 * Tier 1 off the processor's thread: regions are queued here and compiled by one daemon thread
 * shared by every processor of the JVM, while their processor keeps interpreting them. Building
 * and loading a region's class costs as much as interpreting it a few thousand times, so doing it
 * inline would stall the guest on every newly hot block. A compiled region is published through
 * its entry block's {@link Block#region} when it is ready. Regions wait in a list the thread
 * looks through before each compile ({@link #look}): the code running most is compiled first, and
 * code that stopped running is not compiled at all.
 */
final class BackgroundCompiler {
    /** A region to compile from {@code entry}'s run count {@code heat} at {@code queued}, or one to compile again for C2. */
    private record Job(Block entry, RegionPlan plan, SharedRegions shared, CompiledRegion promote, int heat,
                       long queued) { }

    /** Regions submitted; when full, a region is not queued and its entry gets hot again later. */
    private static final BlockingQueue<Job> QUEUE = new ArrayBlockingQueue<>(1 << 14);
    private static final AtomicLong PUBLISHED = new AtomicLong();
    private static final AtomicLong DROPPED = new AtomicLong();
    /** How long a waiting region's entry may go without running before the region is dropped. */
    private static final long IDLE_NANOS = 20_000_000L;
    /**
     * How soon the waiting regions' entries are looked at again while none is seen running: soon
     * after a region arrives, for its second look, then less often (each look wakes the thread).
     */
    private static final long SECOND_LOOK_NANOS = 1_000_000L;
    private static final long LOOK_NANOS = 5_000_000L;

    static {
        // Class initialization runs once, at the first submit: the thread starts with no lock per call.
        Thread.ofPlatform().daemon().name("jvisor-tier1").start(BackgroundCompiler::loop);
    }

    private BackgroundCompiler() { }

    /** Queues {@code plan} for {@code entry}; returns false if the queue is full (the caller retries later). */
    static boolean submit(Block entry, RegionPlan plan, SharedRegions shared) {
        return QUEUE.offer(new Job(entry, plan, shared, null, entry.heat, System.nanoTime()));
    }

    /** Queues {@code region} to be compiled again for C2 (dropped if the queue is full). */
    static void promote(CompiledRegion region) {
        QUEUE.offer(new Job(null, null, null, region, 0, 0));
    }

    /** How many regions this JVM's background compiler has compiled and published. */
    static long published() {
        return PUBLISHED.get();
    }

    /** How many queued regions this JVM's background compiler dropped because their code stopped running. */
    static long dropped() {
        return DROPPED.get();
    }

    /** A region waiting to be compiled, with what was last seen of its entry block's interpreted runs. */
    private static final class Waiting {
        final Job job;
        /** The entry's run count at the last look, and when it was last seen to have changed. */
        int heatSeen;
        long lastRun;
        /** How many times the entry ran between the last two looks (-1 before the second look). */
        int recent = -1;

        Waiting(Job job) {
            this.job = job;
            this.heatSeen = job.heat();
            this.lastRun = job.queued();
        }
    }

    private static void loop() {
        List<Waiting> waiting = new ArrayList<>();
        List<Job> arrived = new ArrayList<>();
        boolean arrivedLately = false;
        while (true) {
            try {
                Job job = waiting.isEmpty() ? QUEUE.take()
                        : QUEUE.poll(arrivedLately ? SECOND_LOOK_NANOS : LOOK_NANOS, TimeUnit.NANOSECONDS);
                if (job != null) {
                    arrived.add(job);
                }
            } catch (InterruptedException e) {
                return;
            }
            QUEUE.drainTo(arrived);
            for (Job job : arrived) {
                if (job.promote() != null) {
                    job.promote().promote();
                } else {
                    waiting.add(new Waiting(job));
                }
            }
            arrivedLately = !arrived.isEmpty();
            arrived.clear();
            Waiting next = look(waiting, System.nanoTime());
            if (next == null) {
                continue;
            }
            waiting.remove(next);
            Job job = next.job;
            RegionPlan plan = job.plan();
            CompiledRegion code = RegionCompiler.compile(plan);
            if (code != null) {
                job.entry().region = code;
                job.shared().publish(job.entry(), code);
                PUBLISHED.incrementAndGet();
            }
        }
    }

    /**
     * Looks at every waiting region's entry block and returns the region to compile next, or null:
     * of those whose entry ran interpreted since the previous look, the one that ran most. So a
     * region is compiled only once its code is seen still running after it was queued, the code
     * running most first. Drops regions whose code changed, and those whose entry has not run for
     * {@link #IDLE_NANOS}: in a Linux boot half the regions queued were never entered, their
     * blocks' loops over by the time they were compiled. Such an entry may get hot again later.
     */
    private static Waiting look(List<Waiting> waiting, long now) {
        Waiting best = null;
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            Job job = w.job;
            RegionPlan plan = job.plan();
            if (plan.pages().epoch(plan.page()) != plan.epoch()) {
                it.remove();
                continue;
            }
            int heat = job.entry().heat;
            boolean first = w.recent < 0;
            w.recent = heat - w.heatSeen;
            if (w.recent != 0) {
                w.heatSeen = heat;
                w.lastRun = now;
            } else if (now - w.lastRun > IDLE_NANOS) {
                it.remove();
                job.shared().cooled(job.entry());
                job.entry().cooled = true;
                DROPPED.incrementAndGet();
                continue;
            }
            if (first) {
                // Runs seen at a first look may be long over: only runs between two looks count.
                w.recent = 0;
            } else if (w.recent > 0 && (best == null || w.recent > best.recent)) {
                best = w;
            }
        }
        return best;
    }
}
