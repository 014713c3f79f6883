package jvisor.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images are size-checked before they are read, so an endless or huge file never fills the heap. */
class GuestImageTest {
    private static final long LIMIT = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aDeviceSuchAsDevZeroIsRefusedBeforeReading() {
        assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        BadInputException e = assertThrows(BadInputException.class,
                () -> new GuestImage.File(Path.of("/dev/zero")).read(LIMIT));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void aRegularFileLargerThanTheLimitIsRefusedByItsSize() throws IOException {
        Path sparse = dir.resolve("huge.img");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(64L << 30);  // sparse: costs no disk, and reading it would need 64 GiB of heap
        }
        BadInputException e = assertThrows(BadInputException.class,
                () -> new GuestImage.File(sparse).read(LIMIT));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        assertThrows(BadInputException.class, () -> new GuestImage.File(sparse).read());
    }

    @Test
    void aPipeIsReadUpToTheLimitAndNoFurther() throws Exception {
        Path fifo = dir.resolve("endless");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo failed");
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                byte[] chunk = new byte[65536];
                while (true) {
                    out.write(chunk);  // endless, like `yes`; ends when the reader closes the pipe
                }
            } catch (IOException closed) {
                // the reader gave up: what we want
            }
        });
        BadInputException e = assertThrows(BadInputException.class, () -> new GuestImage.File(fifo).read(LIMIT));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        writer.join(TimeUnit.SECONDS.toMillis(30));
    }

    @Test
    void aSmallPipeIsReadWhole() throws Exception {
        Path fifo = dir.resolve("small");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo failed");
        byte[] data = "a small image".getBytes();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Files.write(fifo, data);
            } catch (IOException ignored) {
                // the assertion below reports it
            }
        });
        assertArrayEquals(data, new GuestImage.File(fifo).read(LIMIT));
    }

    @Test
    void aFileWithinTheLimitIsReadWhole() throws IOException {
        Path f = dir.resolve("k.elf");
        Files.write(f, new byte[4096]);
        assertArrayEquals(new byte[4096], new GuestImage.File(f).read(LIMIT));
    }
}
