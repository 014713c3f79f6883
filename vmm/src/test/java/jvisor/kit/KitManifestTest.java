package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KitManifestTest {
    @TempDir
    Path dir;

    private GuestKit.Kit kit() throws Exception {
        Files.writeString(dir.resolve(GuestKit.VMLINUZ), "kernel");
        Files.writeString(dir.resolve(GuestKit.INITRD), "initrd");
        new KitManifest(GuestKit.FORMAT, Map.of("kernel-version", "6.1.0-x"), Map.of(
                GuestKit.VMLINUZ, KitManifest.sha256(dir.resolve(GuestKit.VMLINUZ)),
                GuestKit.INITRD, KitManifest.sha256(dir.resolve(GuestKit.INITRD)))).write(dir);
        return new GuestKit.Kit("6.1.0-x", dir);
    }

    @Test
    void aFreshKitVerifies() throws Exception {
        GuestKit.Kit kit = kit();
        assertNull(GuestKit.problem(kit));
        KitManifest m = KitManifest.read(dir);
        assertEquals("6.1.0-x", m.facts().get("kernel-version"));
        assertEquals("b1d9a8a3c6a3b9b1a1ed1d1c0b4f8b0e53a0c8ea7d5e03ef4a0ab0ce7e9b3a0a".length(),
                m.sha256().get(GuestKit.INITRD).length());
    }

    @Test
    void aChangedFileIsCaught() throws Exception {
        GuestKit.Kit kit = kit();
        Files.writeString(kit.initrd(), "initrD");
        assertEquals("initrd.img does not match its checksum", GuestKit.problem(kit));
    }

    @Test
    void aMissingFileOrManifestIsCaught() throws Exception {
        GuestKit.Kit kit = kit();
        Files.delete(kit.vmlinuz());
        assertEquals("vmlinuz is missing", GuestKit.problem(kit));
        Files.delete(dir.resolve(KitManifest.FILE));
        assertEquals("no manifest", GuestKit.problem(kit));
    }

    @Test
    void aKitOfAnotherFormatIsRebuilt() throws Exception {
        kit();
        String problem = KitManifest.read(dir).problem(dir, GuestKit.FORMAT + 1, List.of(GuestKit.VMLINUZ));
        assertTrue(problem.contains("kit format"), problem);
    }
}
