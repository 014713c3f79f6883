package jvisor.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import jvisor.boot.BootConfig;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.core.ShutdownCause;
import jvisor.engine.kvm.KvmEngine;
import jvisor.testing.GuestRun;
import jvisor.testing.Qemu;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every deterministic test guest on every engine this host has, against the serial output QEMU
 * gave for the same image (guests/expected, recorded with guests/README.md's command) and, where
 * QEMU is installed, against QEMU running it now.
 */
@Timeout(120)
class TestGuestsTest {
    private static final Path EXPECTED = Path.of("../guests/expected");

    /** A guest, how to boot it, and the exit status jvisor gives. */
    record Case(String guest, int cpus, int status) {
        BootConfig config(EngineChoice engine) {
            return BootConfig.of(new GuestImage.Builtin(guest)).withCpus(cpus).withEngine(engine);
        }

        @Override
        public String toString() {
            return guest + " on " + cpus + " cpu" + (cpus > 1 ? "s" : "");
        }
    }

    private static final int DEBUG_EXIT_0 = 1;

    static Stream<Case> cases() {
        return Stream.of(
                new Case("hello", 1, DEBUG_EXIT_0),
                new Case("hello64", 1, DEBUG_EXIT_0),
                new Case("ioloop", 1, DEBUG_EXIT_0),
                new Case("fwcfg", 2, DEBUG_EXIT_0),
                new Case("smp", 4, DEBUG_EXIT_0),
                new Case("poweroff", 2, 0),
                new Case("bios", 1, DEBUG_EXIT_0),
                new Case("triplefault", 1, ShutdownCause.GUEST_CRASHED));
    }

    static Stream<Arguments> casesOnEngines() {
        return cases().flatMap(c -> engines().map(e -> Arguments.of(c, e)));
    }

    static Stream<EngineChoice> engines() {
        return KvmEngine.deviceExists() ? Stream.of(EngineChoice.EMU, EngineChoice.KVM) : Stream.of(EngineChoice.EMU);
    }

    private static String expected(String guest) throws IOException {
        return Files.readString(EXPECTED.resolve(guest + ".txt"), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("casesOnEngines")
    void serialOutputIsWhatQemuGave(Case c, EngineChoice engine) throws IOException {
        GuestRun run = GuestRun.boot(c.config(engine));
        assertEquals(expected(c.guest()), run.serial(), run.toString());
        assertEquals(c.status(), run.status(), run.toString());
    }

    /**
     * Unhooked MMIO is where jvisor and QEMU differ by design: jvisor's floating bus reads all
     * ones (DESIGN.md), QEMU's unassigned memory reads zero.
     */
    @ParameterizedTest(name = "mmio ({0})")
    @MethodSource("engines")
    void unhookedMmioReadsAllOnes(EngineChoice engine) {
        GuestRun run = GuestRun.boot(new Case("mmio", 1, DEBUG_EXIT_0).config(engine).withStats(true));
        assertEquals("mmio read: 0xffffffff\r\nmmio read: 0xffffffff\r\n", run.serial(), run.toString());
        assertEquals(DEBUG_EXIT_0, run.status());
    }

    static Stream<Arguments> processorCounts() {
        return engines().flatMap(e -> Stream.of(1, 2, 4, 8).map(n -> Arguments.of(n, e)));
    }

    /** The guest starts every AP the MADT lists with INIT-SIPI-SIPI, one at a time; each reports in. */
    @ParameterizedTest(name = "smp on {0} processors ({1})")
    @MethodSource("processorCounts")
    void everyApplicationProcessorStarts(int cpus, EngineChoice engine) {
        StringBuilder expected = new StringBuilder("cpus in MADT: " + cpus + "\r\n");
        for (int ap = 1; ap < cpus; ap++) {
            expected.append("AP ").append(ap).append(" online\r\n");
        }
        expected.append("all ").append(cpus).append(" processors online\r\n");

        GuestRun run = GuestRun.boot(new Case("smp", cpus, DEBUG_EXIT_0).config(engine));
        assertEquals(expected.toString(), run.serial(), run.toString());
        assertEquals(DEBUG_EXIT_0, run.status(), run.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void qemuStillGivesTheRecordedOutput(Case c) throws Exception {
        assumeTrue(Qemu.installed(), "qemu-system-x86_64 is not installed: nothing to compare with");
        GuestRun qemu = Qemu.run(Qemu.builtinImage(c.guest()), c.cpus(), "128", null, 120);
        assertEquals(expected(c.guest()), qemu.serial(), qemu.toString());
    }
}
