package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.engine.GuestMemory;
import jvisor.guest.GuestLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An initrd that is endless or larger than guest RAM is refused before it is read into the heap. */
class EndlessImageTest {
    private static final long RAM = 64L << 20;

    @TempDir
    Path dir;

    private BadInputException loadWithInitrd(Path initrd) throws IOException {
        Path kernel = dir.resolve("bzImage");
        Files.write(kernel, new TestBzImage().build());
        BootConfig config = BootConfig.of(new GuestImage.File(kernel)).withMemory(RAM)
                .withInitrd(new GuestImage.File(initrd));
        try (GuestMemory memory = GuestMemory.allocate(RAM)) {
            return assertThrows(BadInputException.class, () -> GuestLoader.load(config, memory));
        }
    }

    @Test
    void devZeroAsInitrdIsOneLineOfBadInput() throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        BadInputException e = loadWithInitrd(Path.of("/dev/zero"));
        assertTrue(e.getMessage().startsWith("/dev/zero"), e.getMessage());
    }

    @Test
    void anInitrdLargerThanGuestRamIsRefusedByItsSize() throws IOException {
        Path big = dir.resolve("initrd.img");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(RAM + 1);
        }
        BadInputException e = loadWithInitrd(big);
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }
}
