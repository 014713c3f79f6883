package jvisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line's answers to bad input: one line and status 2, never an OutOfMemoryError. */
class MainTest {
    @Test
    void anEndlessKernelOrModuleIsBadInput() {
        assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        assertEquals(2, Main.run(new String[] {"run", "--kernel", "/dev/zero", "--engine", "emu"}));
        assertEquals(2, Main.run(new String[] {"run", "--guest", "hello", "--module", "/dev/zero", "--engine", "emu"}));
    }

    @Test
    void aLoggedWarningIsOneLine() {
        java.util.logging.LogRecord r = new java.util.logging.LogRecord(java.util.logging.Level.WARNING,
                "vmlinux cache: cannot store x");
        r.setThrown(new java.io.IOException("disk full"));
        assertEquals("jvisor: vmlinux cache: cannot store x (java.io.IOException: disk full)" + System.lineSeparator(),
                OneLineLog.formatForTest(r));
    }
}
