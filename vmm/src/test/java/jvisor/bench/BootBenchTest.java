package jvisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootBenchTest {
    @Test
    void optionsHaveDefaultsAndAreChecked() {
        BootBench.Options o = BootBench.Options.parse(List.of());
        assertEquals(3, o.rounds());
        assertEquals(1, o.cpus());
        assertEquals(512L << 20, o.memory());
        assertTrue(o.qemu());
        BootBench.Options p = BootBench.Options.parse(List.of("rounds=5", "cpus=2", "memory=256M", "--no-qemu", "kit=/k"));
        assertEquals(new BootBench.Options(5, 2, 256L << 20, Path.of("/k"), false), p);
        assertThrows(BadInputException.class, () -> BootBench.Options.parse(List.of("rounds=0")));
        assertThrows(BadInputException.class, () -> BootBench.Options.parse(List.of("cpus=two")));
        assertThrows(BadInputException.class, () -> BootBench.Options.parse(List.of("fast")));
    }

    @Test
    void theMedianIsTakenPerColumn() {
        BootBench.Round m = BootBench.median(List.of(new BootBench.Round(3, 9, 100), new BootBench.Round(1, 7, 300),
                new BootBench.Round(2, 8, 200)));
        assertEquals(new BootBench.Round(2, 8, 200), m);
        BootBench.Round c = BootBench.median(List.of(
                new BootBench.Round(3, 9, 100, new ThreadCpu.Split(9, 4, 3, 1, 18)),
                new BootBench.Round(1, 7, 300, new ThreadCpu.Split(8, 5, 2, 2, 19))));
        assertEquals(new ThreadCpu.Split(9, 5, 3, 2, 19), c.cpu());
    }

    @Test
    void theModulePhaseRunsFromTheUptimeLineToTheModulesLine() {
        assertEquals(1.5, BootBench.Round.modules(new TimedBoot(List.of(3.0, 3.25, 4.75), 5, 0, "", "")), 1e-9);
        assertEquals(-1, BootBench.Round.modules(new TimedBoot(List.of(3.0, 3.25, -1.0), 5, 0, "", "")));
        assertEquals(-1, BootBench.Round.modules(new TimedBoot(List.of(3.0, -1.0, 4.75), 5, 0, "", "")));
        BootBench.Round m = BootBench.median(List.of(new BootBench.Round(3, 9, 100, null, 1.25),
                new BootBench.Round(1, 7, 300, null, 0.5), new BootBench.Round(2, 8, 200, null, 2.0)));
        assertEquals(1.25, m.modules());
        assertEquals("2.50x", BootBench.ratio(1.25, 0.5));
        assertEquals("-", BootBench.ratio(-1, 0.5));
        assertEquals("-", BootBench.ratio(1.25, -1));
    }

    @Test
    void theChildKeepsOurJvmOptionsButNotRecordingsOrAgents() {
        assertEquals(List.of("-Xss4m", "-XX:+UseParallelGC"), BootBench.childJvmOptions(List.of("-Xss4m",
                "-XX:StartFlightRecording=filename=x.jfr", "-agentlib:jdwp=transport=dt_socket", "-XX:+UseParallelGC")));
    }

    @Test
    void theNewestCompleteKitIsFound(@TempDir Path root) throws Exception {
        assertNull(BootBench.newestKit(root.resolve("missing")));
        Path incomplete = Files.createDirectories(root.resolve("6.1.0-1-amd64"));
        Files.writeString(incomplete.resolve("vmlinuz"), "k");
        assertNull(BootBench.newestKit(root));
        Path kit = Files.createDirectories(root.resolve("6.1.0-2-amd64"));
        Files.writeString(kit.resolve("vmlinuz"), "k");
        Files.writeString(kit.resolve("initrd.img"), "i");
        assertEquals(kit, BootBench.newestKit(root));
    }

    @Test
    void withoutAKitTheBenchmarkSaysSoInOneLine(@TempDir Path empty) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, BenchMain.run(List.of("boot", "kit=" + empty)));
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("bench boot: no guest kit in " + empty), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void aChildIsTimedToItsMarkerLineAndToItsExit() throws Exception {
        TimedBoot b = TimedBoot.run(List.of("sh", "-c",
                "echo booting; sleep 0.3; printf 'junk jvisor-linux: init started\\n'; sleep 0.3;"
                        + " echo 'jvisor-bench: instructions 42' >&2;"
                        + " echo 'jvisor-bench: cpu seconds processors=9.19 c2=4.72 c1=3.25 tier1=1.22 total=19.50' >&2;"
                        + " exit 0"), "jvisor-linux: init started", 60);
        assertEquals(0, b.exitStatus());
        assertTrue(b.markerSeconds() >= 0.25, "marker at " + b.markerSeconds());
        assertTrue(b.exitSeconds() >= b.markerSeconds() + 0.25, b.exitSeconds() + " vs " + b.markerSeconds());
        assertEquals("42", b.reported(BootChild.INSTRUCTIONS));
        assertEquals(new ThreadCpu.Split(9.19, 4.72, 3.25, 1.22, 19.5), ThreadCpu.Split.parse(b.reported(ThreadCpu.Split.PREFIX)));
        assertTrue(b.output().contains("booting"));
    }

    @Test
    void aChildThatOverrunsIsKilledAndHasNoMarker() throws Exception {
        TimedBoot b = TimedBoot.run(List.of("sh", "-c", "sleep 30"), "never", 1);
        assertEquals(-1, b.exitStatus());
        assertEquals(-1, b.markerSeconds());
        assertNull(b.reported(BootChild.INSTRUCTIONS));
    }
}
