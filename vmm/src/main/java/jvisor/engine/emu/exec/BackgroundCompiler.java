package jvisor.engine.emu.exec;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.emu.region.CompiledRegion;
import jvisor.engine.emu.region.RegionCompiler;
import jvisor.engine.emu.region.RegionPlan;

/**
 * Tier 1 off the processor's thread: regions are queued here and compiled by one daemon thread
 * shared by every processor of the JVM, while their processor keeps interpreting them. Building
 * and loading a region's class costs as much as interpreting it a few thousand times, so doing it
 * inline would stall the guest on every newly hot block. A compiled region is published through
 * its entry block's {@link Block#region} when it is ready.
 */
final class BackgroundCompiler {
    /** Regions waiting; when full, a region is not queued and its entry gets hot again later. */
    private record Job(Block entry, RegionPlan plan, SharedRegions shared, CompiledRegion promote) { }

    private static final BlockingQueue<Job> QUEUE = new ArrayBlockingQueue<>(1 << 14);
    private static final AtomicLong PUBLISHED = new AtomicLong();

    static {
        // Class initialization runs once, at the first submit: the thread starts with no lock per call.
        Thread.ofPlatform().daemon().name("jvisor-tier1").start(BackgroundCompiler::loop);
    }

    private BackgroundCompiler() { }

    /** Queues {@code plan} for {@code entry}; returns false if the queue is full (the caller retries later). */
    static boolean submit(Block entry, RegionPlan plan, SharedRegions shared) {
        return QUEUE.offer(new Job(entry, plan, shared, null));
    }

    /** Queues {@code region} to be compiled again for C2 (dropped if the queue is full). */
    static void promote(CompiledRegion region) {
        QUEUE.offer(new Job(null, null, null, region));
    }

    /** How many regions this JVM's background compiler has compiled and published. */
    static long published() {
        return PUBLISHED.get();
    }

    private static void loop() {
        while (true) {
            Job job;
            try {
                job = QUEUE.take();
            } catch (InterruptedException e) {
                return;
            }
            if (job.promote() != null) {
                job.promote().promote();
                continue;
            }
            // A region whose code changed while it waited will never run again: skip it.
            RegionPlan plan = job.plan();
            if (plan.pages().epoch(plan.page()) == plan.epoch()) {
                CompiledRegion code = RegionCompiler.compile(plan);
                if (code != null) {
                    job.entry().region = code;
                    job.shared().publish(job.entry(), code);
                    PUBLISHED.incrementAndGet();
                }
            }
        }
    }
}
