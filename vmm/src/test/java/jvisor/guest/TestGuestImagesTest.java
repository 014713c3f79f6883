package jvisor.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.Test;

/**
 * The C test guests (guests/, built into the jar's /guests) load as binutils sees them: the
 * entry point and every PT_LOAD segment match {@code readelf -lW}. Skipped where the guests or
 * readelf are missing.
 */
class TestGuestImagesTest {
    private static final Pattern ENTRY = Pattern.compile("Entry point (0x[0-9a-f]+)");
    private static final Pattern LOAD = Pattern.compile(
            "^\\s*LOAD\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)",
            Pattern.MULTILINE);

    private record Load(long offset, long vaddr, long paddr, long fileSize, long memSize) { }

    private static List<Path> guests() throws IOException, URISyntaxException {
        URL dir = TestGuestImagesTest.class.getResource("/guests");
        Path path = dir != null && "file".equals(dir.getProtocol()) ? Path.of(dir.toURI()) : Path.of("../guests/build");
        if (!Files.isDirectory(path)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> p.toString().endsWith(".elf")).sorted().toList();
        }
    }

    private static String readelf(Path elf) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("readelf", "-lW", elf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static boolean readelfPresent() {
        try {
            return new ProcessBuilder("readelf", "--version").start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void everyTestGuestLoadsAsReadelfDescribesIt() throws Exception {
        List<Path> guests = guests();
        assumeTrue(!guests.isEmpty(), "the test guests are not built (make -C guests)");
        assumeTrue(readelfPresent(), "readelf (binutils) is not installed");
        for (Path elf : guests) {
            String listing = readelf(elf);
            Matcher entry = ENTRY.matcher(listing);
            assertTrue(entry.find(), listing);
            List<Load> loads = new ArrayList<>();
            Matcher m = LOAD.matcher(listing);
            while (m.find()) {
                loads.add(new Load(hex(m.group(1)), hex(m.group(2)), hex(m.group(3)), hex(m.group(4)),
                        hex(m.group(5))));
            }
            assertFalse(loads.isEmpty(), elf + " has PT_LOAD segments");
            checkLoad(elf, hex(entry.group(1)), loads);
        }
    }

    private static void checkLoad(Path elf, long entry, List<Load> loads) throws IOException {
        byte[] file = Files.readAllBytes(elf);
        try (GuestMemory ram = GuestMemory.allocate(128L << 20)) {
            ram.fill(0x100000, 0x1000000, (byte) 0xA5);
            LoadedGuest guest = GuestLoader.load(
                    BootConfig.of(new GuestImage.File(elf)).withMemory(128L << 20), ram);
            assertEquals(entry, guest.bootState().regs().rip(), elf + " entry (linked at its physical address)");
            for (Load l : loads) {
                assertEquals(l.vaddr(), l.paddr(), elf + ": the guests are identity-linked");
                assertTrue(guest.placed().stream().anyMatch(p -> p.base() == l.paddr() && p.size() == l.memSize()),
                        elf + " placed " + guest.placed() + " has " + l);
                byte[] expected = Arrays.copyOfRange(file, (int) l.offset(), (int) (l.offset() + l.fileSize()));
                assertArrayEquals(expected, ram.read(l.paddr(), (int) l.fileSize()), elf + " segment contents");
                assertArrayEquals(new byte[(int) (l.memSize() - l.fileSize())],
                        ram.read(l.paddr() + l.fileSize(), (int) (l.memSize() - l.fileSize())), elf + " BSS");
            }
        }
    }

    private static long hex(String s) {
        return Long.parseLong(s.substring(2), 16);
    }
}
