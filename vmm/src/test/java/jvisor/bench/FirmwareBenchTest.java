package jvisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.kit.InitScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirmwareBenchTest {
    @Test
    void optionsHaveDefaultsAndAreChecked() {
        assertEquals(new FirmwareBench.Options(3, 512L << 20, null, true), FirmwareBench.Options.parse(List.of()));
        assertEquals(new FirmwareBench.Options(2, 256L << 20, Path.of("/d.img"), false),
                FirmwareBench.Options.parse(List.of("rounds=2", "memory=256M", "disk=/d.img", "--no-qemu")));
        assertThrows(BadInputException.class, () -> FirmwareBench.Options.parse(List.of("rounds=0")));
        assertThrows(BadInputException.class, () -> FirmwareBench.Options.parse(List.of("cpus=2")));
    }

    @Test
    void withoutADiskTheBenchmarkSaysSoInOneLine(@TempDir Path empty) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = BenchMain.run(List.of("firmware", "disk=" + empty.resolve("missing.img")));
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, text);
        assertTrue(text.startsWith("bench firmware: no bootable disk at " + empty.resolve("missing.img")), text);
        assertTrue(text.contains("./jvisor guest fetch --disk"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void theBenchConfigEchoesTheLoaderMarkerAndBootsToInitOnSerial() {
        String cfg = FirmwareBench.grubCfg();
        assertTrue(cfg.contains("echo '" + FirmwareBench.LOADER_MARKER + "'"), cfg);
        assertTrue(cfg.contains("set timeout=0"), cfg);
        String linux = cfg.lines().filter(l -> l.strip().startsWith("linux ")).findFirst().orElseThrow();
        assertTrue(linux.contains(InitScript.TEST_OPTION), linux);
        // The last console= is /dev/console, where /init's marker goes: it must be the serial port.
        assertTrue(linux.lastIndexOf("console=ttyS0") > linux.lastIndexOf("console=tty0 "), linux);
    }

    @Test
    void mediansAndRatiosArePerColumn() {
        FirmwareBench.Round m = FirmwareBench.median(List.of(new FirmwareBench.Round(3, 30, 33),
                new FirmwareBench.Round(1, 10, 11), new FirmwareBench.Round(2, 20, 22)));
        assertEquals(new FirmwareBench.Round(2, 20, 22), m);
        assertEquals("emu/TCG: 2.00x to GRUB, 4.00x to /init, 1.50x to power-off",
                FirmwareBench.ratios(new FirmwareBench.Round(2, 40, 30), new FirmwareBench.Round(1, 10, 20)));
    }

    @Test
    void eachMarkerIsTimedOnItsOwn() throws Exception {
        TimedBoot b = TimedBoot.run(List.of("sh", "-c", "echo a; sleep 0.3; echo 'x b y'; exit 0"), List.of("b", "a", "c"), 60);
        assertEquals(0, b.exitStatus());
        assertTrue(b.markers().get(0) >= b.markers().get(1), b.markers().toString());
        assertEquals(-1.0, b.markers().get(2));
    }

    @Test
    void markersAreFoundThroughTheSerialMirrorsCursorMoves() throws Exception {
        TimedBoot b = TimedBoot.run(List.of("printf", "jv\\033[06;02H\\033[06;03Hisor-bench: boot loader\\n"),
                List.of(FirmwareBench.LOADER_MARKER), 60);
        assertTrue(b.markers().get(0) >= 0, b.output());
    }
}
