package jvisor.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VgaDisplayTest {
    @Test
    void serialGoesToTheNamedLogOrNowhere(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        try (OutputStream out = VgaDisplay.serialLog(log.toString())) {
            out.write("Linux version 6.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        assertEquals("Linux version 6.1\r\n", Files.readString(log, StandardCharsets.ISO_8859_1));
        assertEquals(OutputStream.nullOutputStream().getClass(), VgaDisplay.serialLog(null).getClass());
        assertEquals(OutputStream.nullOutputStream().getClass(), VgaDisplay.serialLog(" ").getClass());
    }
}
