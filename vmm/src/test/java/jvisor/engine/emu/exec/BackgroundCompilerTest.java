package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;

/** Which queued regions the background compiler compiles: only those whose code still runs. */
class BackgroundCompilerTest {
    private static final String ONCE = """
            mov eax, 40
            add eax, 2
            cli
            hlt
            """;

    /** Waits until the background compiler has dropped more than {@code count} regions. */
    private static void awaitDropsAbove(long count) throws InterruptedException {
        for (int i = 0; i < 500 && BackgroundCompiler.dropped() <= count; i++) {
            Thread.sleep(10);
        }
        assertTrue(BackgroundCompiler.dropped() > count, "the background compiler dropped no region");
    }

    @Test
    void aRegionWhoseCodeStoppedRunningIsDroppedAndItsEntryCanGetHotAgain() throws InterruptedException {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setBackgroundCompileThreshold(1);
            long published = BackgroundCompiler.published();
            long dropped = BackgroundCompiler.dropped();
            // The block runs once, reaching the threshold, and never again while its region waits.
            assertEquals(ExitReason.HLT, m.run64(ONCE), m.cpu.describeExit());
            awaitDropsAbove(dropped);
            assertEquals(published, BackgroundCompiler.published(), "a region was compiled for code no longer running");
            // Its run count started again: the next run reaches the threshold and queues it again.
            long droppedOnce = BackgroundCompiler.dropped();
            assertEquals(ExitReason.HLT, m.run64(ONCE), m.cpu.describeExit());
            assertEquals(42, m.reg(Cpu.RAX));
            awaitDropsAbove(droppedOnce);
            assertEquals(0, m.cpu.retiredInRegions());
        }
    }
}
