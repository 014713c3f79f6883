package jvisor.engine.emu.exec;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.emu.cpu.CodePages;

/**
 * Tier 1 off the processor's thread: hot blocks are queued here and compiled by one daemon thread
 * shared by every processor of the JVM, while their processor keeps interpreting them. Building
 * and loading a block's class costs as much as interpreting it a few thousand times, so doing it
 * inline would stall the guest on every newly hot block (tens of thousands of them in a Linux
 * boot). A compiled block is published through {@link Block#compiled} when it is ready.
 */
final class BackgroundCompiler {
    /** Blocks waiting; when full, a block is not queued and gets hot again later. */
    private record Job(Block block, CodePages pages) { }

    private static final BlockingQueue<Job> QUEUE = new ArrayBlockingQueue<>(1 << 14);
    private static final AtomicLong PUBLISHED = new AtomicLong();

    static {
        // Class initialization runs once, at the first submit: the thread starts with no lock per call.
        Thread.ofPlatform().daemon().name("jvisor-tier1").start(BackgroundCompiler::loop);
    }

    private BackgroundCompiler() { }

    /** Queues {@code b}; returns false if the queue is full (the caller retries later). */
    static boolean submit(Block b, CodePages pages) {
        return QUEUE.offer(new Job(b, pages));
    }

    /** How many blocks this JVM's background compiler has compiled and published. */
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
            // A block whose code changed while it waited will never run again: skip it.
            if (job.block().valid(job.pages())) {
                BlockCompiler.CompiledBlock code = BlockCompiler.compile(job.block());
                if (code != null) {
                    job.block().compiled = code;
                    PUBLISHED.incrementAndGet();
                }
            }
        }
    }
}
