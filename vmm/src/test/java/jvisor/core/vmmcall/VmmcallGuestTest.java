package jvisor.core.vmmcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BootConfig;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The vmmcall guest on emu: it looks up jvisor's calls by name with VMCALL, calls them by number
 * with VMCALL and VMMCALL, gets 0 for an unknown name and -KVM_ENOSYS for an unknown number, and powers off.
 */
@Timeout(60)
class VmmcallGuestTest {
    @Test
    void theGuestFindsAndCallsJvisorsHypercalls() throws IOException {
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.Builtin("vmmcall")).withEngine(EngineChoice.EMU));
        String expected = Files.readString(Path.of("../guests/expected/vmmcall.txt"), StandardCharsets.ISO_8859_1);
        assertEquals(expected, run.serial(), run.toString());
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.log().contains("vmmcall log from cpu0: hello from the vmmcall guest"), run.toString());
        assertTrue(run.log().contains("guest powered off (vmmcall)") || run.status() == 0, run.toString());
    }
}
