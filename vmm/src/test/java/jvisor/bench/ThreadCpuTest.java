package jvisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
    @Test
    void aStatLineGivesTheNameAndUserPlusSystemTicks() {
        // A name may hold spaces and parentheses; the fields after it count from the last ')'.
        ThreadCpu.Seen s = ThreadCpu.parseStat(
                "4242 (C2 Compiler (x)) S 1 4242 4242 0 -1 4194368 100 0 0 0 472 31 0 0 20 0 30 0 5 0 0");
        assertEquals(new ThreadCpu.Seen("C2 Compiler (x)", 503), s);
        assertNull(ThreadCpu.parseStat("4242 cpu0 S 1"));
        assertNull(ThreadCpu.parseStat("4242 (cpu0) S 1 2 3"));
    }

    @Test
    void theReportedLineReadsBack() {
        ThreadCpu.Split s = new ThreadCpu.Split(9.19, 4.72, 3.25, 1.22, 19.5);
        assertEquals(s, ThreadCpu.Split.parse(s.format()));
        assertNull(ThreadCpu.Split.parse(null));
        assertNull(ThreadCpu.Split.parse("processors=1.0 c2=x c1=1 tier1=1 total=2"));
        assertNull(ThreadCpu.Split.parse("processors=1.0 c2=1"));
    }

    @Test
    void aBusyProcessorThreadIsCountedAsAProcessor() throws Exception {
        assumeTrue(ThreadCpu.available(), "no /proc/self/task here");
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        ThreadCpu cpu = new ThreadCpu();
        Thread t = Thread.ofPlatform().name("cpu7").start(() -> {
            long x = 0;
            while (bean.getCurrentThreadCpuTime() < 200_000_000L) {
                x += System.nanoTime() & 1;
            }
            cpu.sample();
            if (x < 0) {
                throw new AssertionError();
            }
        });
        t.join();
        ThreadCpu.Split s = cpu.split();
        assertTrue(s.processors() >= 0.1, "processors " + s.processors());
        assertTrue(s.total() >= s.processors(), s.total() + " < " + s.processors());
    }
}
