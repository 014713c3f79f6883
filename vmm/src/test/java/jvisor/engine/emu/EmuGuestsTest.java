package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BootConfig;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The C test guests boot on the emu engine through the whole VMM (loader, devices, platform) and
 * print what guests/expected says, ending with the exit status the README gives. Skipped when the
 * guests are not built.
 */
class EmuGuestsTest {
    private static boolean built(String guest) {
        return EmuGuestsTest.class.getResource("/guests/" + guest + ".elf") != null;
    }

    private static String expected(String guest) throws IOException {
        return Files.readString(Path.of("../guests/expected/" + guest + ".txt"));
    }

    private static GuestRun boot(String guest, int cpus, String cmdline) {
        BootConfig config = BootConfig.of(new GuestImage.Builtin(guest)).withEngine(EngineChoice.EMU)
                .withCpus(cpus).withCmdline(cmdline);
        return GuestRun.boot(config);
    }

    /** Status 1 is debug-exit value 0 (the guest passed); 0 a power-off; 4 jvisor's status for a triple fault. */
    @ParameterizedTest
    @CsvSource({
        "hello, 1, 1",
        "hello64, 1, 1",
        "ioloop, 1, 1",
        "poweroff, 1, 0",
        "fwcfg, 2, 1",
        "smp, 4, 1",
        "triplefault, 1, 4",
    })
    void guestPrintsWhatItsExpectedFileSays(String guest, int cpus, int status) throws IOException {
        assumeTrue(built(guest), "the test guests are not built (make -C guests)");
        GuestRun run = boot(guest, cpus, "");
        assertEquals(expected(guest), run.serial(), run.toString());
        assertEquals(status, run.status(), run.toString());
    }

    /**
     * guests/expected/mmio.txt records QEMU, which reads unassigned memory as zeros; jvisor's
     * pass-through policy is the floating bus (all ones) on both engines.
     */
    @org.junit.jupiter.api.Test
    void mmioReadsTheFloatingBusWhereNothingIsMapped() throws IOException {
        assumeTrue(built("mmio"), "the test guests are not built (make -C guests)");
        GuestRun run = boot("mmio", 1, "");
        assertEquals(expected("mmio").replace("0x00000000", "0xffffffff"), run.serial(), run.toString());
        assertEquals(1, run.status());
    }

    /**
     * The sha256 digest is the host's: guests/sha256.c's buffer written out by the same LCG (4 MiB of
     * little-endian 64-bit words, seed 1) and fed to sha256sum; 6ad68c4a... for one pass, and
     * openssl/sha256sum give 0d01486e...8618 for the default 32 copies.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sieve    | sieve: 664579 primes below 10000000, 1 passes",
        "crc32    | crc32: 0xe353f2c3 after 1 passes over 16 MiB",
        "sha256   | sha256: 6ad68c4a74acb6dd599e8e8310368734f5e548274c40d6493a55c168e7deed51 after 1 passes over 4 MiB",
        "ptrchase | ptrchase: index 382846 after 1000000 steps over 8 MiB",
    })
    void benchmarksComputeTheirKnownResults(String guest, String line) {
        assumeTrue(built(guest), "the test guests are not built (make -C guests)");
        GuestRun run = boot(guest, 1, "scale=1");
        assertTrue(run.serial().replace("\r", "").contains(line + "\ndone\n"), run.toString());
        assertEquals(1, run.status(), run.toString());
    }

    @org.junit.jupiter.api.Test
    void interruptsFromThePitAndTheLocalApicTimerArrive() {
        assumeTrue(built("irqstorm"), "the test guests are not built (make -C guests)");
        GuestRun run = boot("irqstorm", 1, "");
        assertTrue(run.serial().contains("every interrupt was in service once and retired by one EOI"), run.toString());
        assertEquals(1, run.status(), run.toString());
    }
}
