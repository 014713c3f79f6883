package jvisor.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BadInputException;
import jvisor.boot.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./jvisor disk create}: images that jvisor and cryptsetup open; bad requests are one line. */
class DiskCreateTest {
    @TempDir
    Path dir;

    private int create(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "disk";
        all[1] = "create";
        System.arraycopy(args, 0, all, 2, args.length);
        return DiskCreate.run((CommandLine.Command.DiskCreate) CommandLine.parse(all));
    }

    @Test
    void aRawImageIsSparseAndOfTheAskedSize() throws IOException {
        Path image = dir.resolve("raw.img");
        assertEquals(0, create(image.toString(), "64M"));
        assertEquals(64L << 20, Files.size(image));
        try (RawImage disk = RawImage.open(image, true)) {
            assertEquals(64L << 20, disk.size());
        }
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws IOException {
        Path image = Files.writeString(dir.resolve("precious.img"), "data");
        BadInputException e = assertThrows(BadInputException.class, () -> create(image.toString(), "1M"));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("data", Files.readString(image));
    }

    @Test
    void badRequestsAreRefusedWithOneLine() {
        for (String[] args : new String[][] {
                {"x.img"}, {"x.img", "lots"}, {"x.img", "1000"}, {"x.img", "1M", "--luks"},
                {"x.img", "1M", "--key-file", "k"}, {"x.img", "1M", "--bogus"}}) {
            BadInputException e = assertThrows(BadInputException.class, () -> create(args), String.join(" ", args));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertThrows(BadInputException.class, () -> CommandLine.parse("disk"));
        assertThrows(BadInputException.class, () -> CommandLine.parse("disk", "destroy", "x"));
        assertFalse(Files.exists(dir.resolve("x.img")));
    }

    @Test
    void aLuksVolumeOpensInJvisorAndInCryptsetup() throws Exception {
        Path image = dir.resolve("secret.img");
        Path key = Files.writeString(dir.resolve("pass.txt"), "correct horse\n");
        assertEquals(0, create(image.toString(), "8M", "--luks", "--key-file", key.toString()));
        try (LuksImage disk = LuksImage.open(image, key, true)) {
            assertEquals(8L << 20, disk.size());
            assertTrue(disk.description().startsWith("LUKS2"), disk.description());
        }
        assertThrows(BadInputException.class, () -> LuksImage.open(image, Files.writeString(dir.resolve("no"), "nope"), true));
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/cryptsetup")) || Files.isExecutable(Path.of("/sbin/cryptsetup")),
                "cryptsetup (Debian: cryptsetup-bin) is not installed");
        Process p = new ProcessBuilder(Files.isExecutable(Path.of("/usr/sbin/cryptsetup")) ? "/usr/sbin/cryptsetup" : "/sbin/cryptsetup", "open", "--test-passphrase", "--key-file", key.toString(), image.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        byte[] header = Files.readAllBytes(image);
        assertArrayEquals(new byte[] {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE}, java.util.Arrays.copyOf(header, 6));
    }
}
