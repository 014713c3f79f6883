package jvisor.debug.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BootConfig;
import jvisor.boot.DebugOptions;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** --trace-calls on the calls guest: the printed tree is its known call sequence, and the JSON is Chrome's format. */
@Timeout(60)
class CallTraceGuestTest {
    private static final Path ELF = Path.of("target/guest-objects/64/calls.elf64");

    /** The tree's lines without the times: name, and the call count where there is one. */
    static List<String> shape(String log) {
        return log.lines()
                .filter(l -> l.startsWith("  "))
                .map(l -> l.replaceAll("  [0-9.]+ (µs|ms)", "").replaceAll("\\s+$", ""))
                .toList();
    }

    @Test
    void theTreeIsTheGuestsCallSequence(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("calls.json");
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.Builtin("calls")).withEngine(EngineChoice.EMU)
                .withDebug(new DebugOptions(null, false, true, ELF, json, 0, "guest_main")));
        assertEquals(1, run.status(), run.toString());
        assertEquals(List.of(
                "  guest_main",
                "    first",
                "      leaf",
                "    second",
                "      leaf  (2 calls)",
                "    third",
                "    printf",
                "      vprintf",
                "        format",
                "          put_serial  (11 calls)",
                "            serial_putc  (12 calls)",
                "          format_number  (2 calls)",
                "            put_padded  (2 calls)",
                "              put_serial  (5 calls)",
                "                serial_putc  (5 calls)"), shape(run.log()), run.log());
        String trace = Files.readString(json);
        assertTrue(trace.startsWith("{\"displayTimeUnit\":\"ns\",\"traceEvents\":["), trace);
        assertTrue(trace.contains("{\"name\":\"second\",\"ph\":\"X\",\"pid\":1,\"tid\":0,"), trace);
        assertTrue(trace.contains("\"args\":{\"name\":\"Processor 0\"}"), trace);
    }

    @Test
    void depthLimitsThePrintedTree() {
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.Builtin("calls")).withEngine(EngineChoice.EMU)
                .withDebug(new DebugOptions(null, false, true, ELF, null, 3, null)));
        // boot64.S jumps (far) to long_mode, which calls start_c.
        assertEquals(List.of("  long_mode", "    start_c", "      serial_init", "      idt_init", "      mb_init",
                "      guest_main", "      debug_exit"), shape(run.log()), run.log());
    }
}
