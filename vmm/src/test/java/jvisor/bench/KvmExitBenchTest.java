package jvisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.engine.kvm.KvmEngine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class KvmExitBenchTest {
    @Test
    void withoutKvmTheBenchmarkSaysWhyInOneLine() {
        assumeFalse(KvmEngine.deviceExists(), "this host has /dev/kvm; the benchmark runs instead");
        BadInputException e = assertThrows(BadInputException.class, () -> BenchMain.run(List.of("exit")));
        assertTrue(e.getMessage().contains("/dev/kvm does not exist"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void theCReferenceCompilesAgainstThisHostsKvmHeader() {
        try (CReference c = CReference.compile("kvm_exit_bench")) {
            if (!KvmEngine.deviceExists()) {
                BadInputException e = assertThrows(BadInputException.class, () -> c.run("10", "10"));
                assertTrue(e.getMessage().contains("open /dev/kvm"), e.getMessage());
            } else {
                double us = KvmExitBench.parseMicros(c.run("1000", "1000"));
                assertTrue(us > 0);
            }
        }
    }

    @Test
    void optionsAreParsedAndCheckedAndOutputIsRead() {
        assertEquals(new KvmExitBench.Options(KvmExitBench.DEFAULT_ITERATIONS, KvmExitBench.DEFAULT_ROUNDS),
                KvmExitBench.Options.parse(List.of()));
        assertEquals(new KvmExitBench.Options(5000, 3), KvmExitBench.Options.parse(List.of("iterations=5000", "rounds=3")));
        for (String bad : List.of("iterations=0", "iterations=many", "rounds=0", "rounds=101", "fast")) {
            assertThrows(BadInputException.class, () -> KvmExitBench.Options.parse(List.of(bad)), bad);
        }
        assertEquals(2.0, KvmExitBench.median(new double[] {3, 1, 2}));
        assertEquals(2.5, KvmExitBench.median(new double[] {4, 1, 2, 3}));
        assertEquals(13.25, KvmExitBench.parseMicros("us_per_exit=13.2500 exits=1001\n"));
        assertThrows(BadInputException.class, () -> BenchMain.run(List.of("nonsense")));
    }

    @Test
    void onKvmItPrintsBothFiguresTheRatioStartUpAndMemory() {
        assumeTrue(KvmEngine.deviceExists(), "no /dev/kvm on this host: the exit benchmark needs the kvm engine");
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(0, BenchMain.run(List.of("exit", "iterations=2000", "rounds=2")));
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String expected : List.of("C reference", "jvisor kvm engine", "ratio jvisor/C", "start-up",
                "resident memory without guest RAM", "2001 exits per round", "round 2:", "best rounds")) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
    }
}
