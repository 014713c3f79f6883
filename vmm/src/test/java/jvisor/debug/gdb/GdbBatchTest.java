package jvisor.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Debian's gdb in batch mode against the calls guest on emu: a breakpoint at a symbol, steps, a variable. */
@Timeout(180)
class GdbBatchTest {
    private static final Path ELF = Path.of("target/guest-objects/64/calls.elf64");

    static boolean gdbInstalled() {
        try {
            return new ProcessBuilder("gdb", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void breaksAtASymbolStepsAndReadsAVariable() throws Exception {
        assumeTrue(gdbInstalled(), "gdb is not installed (Debian: apt-get install gdb)");
        assumeTrue(Files.exists(ELF), "the calls guest's ELF64 with debug information is not built");
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 1);
        String out = gdb(port,
                "break leaf",
                "continue",
                "print answer",
                "next",
                "print answer",
                "info registers rip",
                "stepi",
                "info registers rip",
                "info threads",
                "print $cr0",
                "delete",
                "continue");
        GuestRun r = run.get(120, TimeUnit.SECONDS);
        assertTrue(out.contains("Breakpoint 1, leaf ("), out);
        assertTrue(out.contains("calls.c:12"), out);
        assertTrue(out.contains("$1 = 40"), out);
        assertTrue(out.contains("$2 = 41"), out);
        assertTrue(out.contains("Thread 1 (Processor 0 (BSP))"), out);
        assertTrue(out.matches("(?s).*\\$3 = (0x)?[0-9a-f]*[13579bdf]\\b.*"), "CR0.PE is set: " + out);
        assertTrue(out.contains("exited with code 01"), out);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
        assertEquals(1, r.status(), r.toString());
    }

    /**
     * gdb's watchpoints on emu (Z2, Z3): a write watch stops after each store that changes
     * 'answer' (leaf's store of an unchanged value is gdb's to skip), a read watch after leaf's
     * load that follows; the guest ends as it would without gdb.
     */
    @Test
    void watchpointsStopAfterTheGuestWritesAndReads() throws Exception {
        assumeTrue(gdbInstalled(), "gdb is not installed (Debian: apt-get install gdb)");
        assumeTrue(Files.exists(ELF), "the calls guest's ELF64 with debug information is not built");
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 1);
        String out = gdb(port,
                "watch answer",
                "continue",
                "continue",
                "delete",
                "rwatch answer",
                "continue",
                "delete",
                "continue");
        assertTrue(out.contains("Hardware watchpoint 1: answer"), out);
        assertTrue(out.matches("(?s).*Old value = 40\\s+New value = 41\\s+leaf \\(x=x@entry=1\\) at calls.c:13.*"), out);
        assertTrue(out.matches("(?s).*Old value = 41\\s+New value = 42\\s+leaf \\(x=x@entry=1\\) at calls.c:13.*"), out);
        assertTrue(out.matches("(?s).*Hardware read watchpoint 2: answer\\s+Value = 42\\s+\\S+ in leaf .*"), out);
        assertTrue(out.contains("exited with code 01"), out);
        GuestRun r = run.get(120, TimeUnit.SECONDS);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
    }

    /** Runs gdb on the calls guest; retries while the stub is not listening yet. */
    static String gdb(int port, String... commands) throws Exception {
        for (int attempt = 0; ; attempt++) {
            List<String> cmd = new ArrayList<>(List.of("gdb", "-batch", "-nx", "-ex", "set pagination off",
                    "-ex", "target remote 127.0.0.1:" + port));
            for (String c : commands) {
                cmd.add("-ex");
                cmd.add(c);
            }
            cmd.add(ELF.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            if (!out.contains("Connection refused") || attempt > 100) {
                return out;
            }
            Thread.sleep(200);
        }
    }
}
