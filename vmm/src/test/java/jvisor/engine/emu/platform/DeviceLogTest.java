package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeviceLogTest {
    @Test
    void aWarningIsOneLineNamingTheDevice() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            new DeviceLog("lapic0").warn("write to read-only register %#x", 0x20);
        } finally {
            System.setErr(saved);
        }
        assertEquals("jvisor: lapic0: write to read-only register 0x20" + System.lineSeparator(),
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aGuestCannotFloodTheLog() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DeviceLog log = new DeviceLog("ioapic", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        for (int i = 0; i < 1000; i++) {
            log.warn("bad %d", i);
        }
        assertEquals(32, bytes.toString(StandardCharsets.UTF_8).lines().count());
    }
}
