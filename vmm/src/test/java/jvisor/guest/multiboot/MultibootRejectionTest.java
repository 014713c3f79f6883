package jvisor.guest.multiboot;

import static jvisor.guest.TestImages.PF_R;
import static jvisor.guest.TestImages.PF_W;
import static jvisor.guest.TestImages.PF_X;
import static jvisor.guest.TestImages.pattern;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.engine.GuestMemory;
import jvisor.guest.GuestLoader;
import jvisor.guest.TestImages;
import jvisor.guest.TestImages.Seg;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an image is refused, each with a one-line message that names the file and the problem. */
class MultibootRejectionTest {
    static final long MIB = 1L << 20;
    static final long TEXT = 0x100000;

    @TempDir
    Path dir;
    private GuestMemory ram;

    @BeforeEach
    void map() {
        ram = GuestMemory.allocate(128 * MIB);
    }

    @AfterEach
    void unmap() {
        ram.close();
    }

    /** Loads {@code image} and returns the message it was refused with. */
    String refusal(byte[] image) throws IOException {
        Path kernel = Files.write(dir.resolve("kernel.img"), image);
        return refusal(BootConfig.of(new GuestImage.File(kernel)).withMemory(128 * MIB), kernel.toString());
    }

    String refusal(BootConfig config, String named) {
        String message = assertThrows(BadInputException.class, () -> GuestLoader.load(config, ram)).getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        assertTrue(message.contains(named), "names " + named + ": " + message);
        return message;
    }

    static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' in: " + message);
        }
    }

    static byte[] elf32(long entry, Seg... segs) {
        return TestImages.elf32(entry, 3, List.of(segs));
    }

    static Seg text(long at, int size) {
        return Seg.at(at, pattern(size, 1), size, PF_R | PF_X);
    }

    static byte[] withU16(byte[] image, int offset, int value) {
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putShort(offset, (short) value);
        return image;
    }

    @Test
    void notAKernelAtAll() throws IOException {
        assertMentions(refusal(pattern(100, 1)), "is not a multiboot kernel", "first 8 KiB");
        assertMentions(refusal(new byte[0]), "is empty");
    }

    @Test
    void anElfWithoutAMultibootHeaderIsNamedAsSuch() throws IOException {
        byte[] elf = TestImages.elf(false, 3, TEXT, null, List.of(text(TEXT, 16)));
        assertMentions(refusal(elf), "is an ELF file without a multiboot header in its first 8 KiB");
    }

    @Test
    void aLinuxBzImageGoesToTheLinuxLoader() throws IOException {
        byte[] bz = new byte[0x1000];
        bz[0x1FE] = 0x55;
        bz[0x1FF] = (byte) 0xAA;
        System.arraycopy("HdrS".getBytes(), 0, bz, 0x202, 4);
        withU16(bz, 0x206, 0x020F);
        // The Linux loader, not the multiboot one, judges it: this header lacks a 64-bit entry.
        assertMentions(refusal(bz), "has no 64-bit entry point (XLF_KERNEL_64 clear)");
    }

    @Test
    void aBadChecksumIsReportedWithTheValueItShouldHave() throws IOException {
        byte[] elf = elf32(TEXT, text(TEXT, 16));
        elf[TestImages.MB_HEADER_OFFSET + 8] ^= 1;
        assertMentions(refusal(elf), "multiboot magic at offset 0x400 with a bad checksum", "need checksum 0xe4524ffb");
    }

    @Test
    void aHeaderPastTheFirst8KibIsNotSeen() throws IOException {
        byte[] image = new byte[0x3000];
        System.arraycopy(TestImages.mbHeader(3), 0, image, 0x2000, 12);
        assertMentions(refusal(image), "no multiboot header");
    }

    @Test
    void unknownRequiredFlagsAreRefused() throws IOException {
        byte[] elf = TestImages.elf32(TEXT, 0x8 | 3, List.of(text(TEXT, 16)));
        assertMentions(refusal(elf), "requires features jvisor does not know (flag bits 0x0008)");
    }

    @Test
    void elfHeaderProblems() throws IOException {
        byte[] arm = TestImages.elf(false, 40, TEXT, TestImages.mbHeader(3), List.of(text(TEXT, 16)));
        assertMentions(refusal(arm), "ELF32 file for machine 40 (ARM), not i386");
        byte[] x32 = TestImages.elf(false, 62, TEXT, TestImages.mbHeader(3), List.of(text(TEXT, 16)));
        assertMentions(refusal(x32), "machine 62 (x86-64), not i386");
        byte[] elf64i386 = TestImages.elf(true, 3, TEXT, TestImages.mbHeader(3), List.of(text(TEXT, 16)));
        assertMentions(refusal(elf64i386), "ELF64 file for machine 3 (i386), not x86-64");
        assertMentions(refusal(withU16(elf32(TEXT, text(TEXT, 16)), 16, 3)), "type 3 (shared object/PIE)",
                "not an executable");
        byte[] bigEndian = elf32(TEXT, text(TEXT, 16));
        bigEndian[5] = 2;
        assertMentions(refusal(bigEndian), "big-endian");
        byte[] badClass = elf32(TEXT, text(TEXT, 16));
        badClass[4] = 3;
        assertMentions(refusal(badClass), "unknown ELF class 3");
        assertMentions(refusal(withU16(elf32(TEXT, text(TEXT, 16)), 42, 40)), "program headers of 40 bytes");
        assertMentions(refusal(withU16(elf32(TEXT, text(TEXT, 16)), 44, 0)), "has no program headers");
    }

    @Test
    void tooManyProgramHeaders() throws IOException {
        byte[] elf = TestImages.elf(false, 3, TEXT, null, List.of(text(TEXT, 16)));
        withU16(elf, 44, 129);
        System.arraycopy(TestImages.mbHeader(3), 0, elf, 0xC00, 12);   // past the phdr table start
        assertMentions(refusal(elf), "has 129 program headers; jvisor accepts at most 128");
    }

    @Test
    void truncatedFiles() throws IOException {
        byte[] elf = elf32(TEXT, text(TEXT, 0x2345));
        assertMentions(refusal(Arrays.copyOf(elf, 0x1800)),
                "program header 0 (file bytes 0x1000+0x2345) lies outside the file (6144 bytes)");
        byte[] phdrsCut = elf32(TEXT, text(TEXT, 16));
        ByteBuffer.wrap(phdrsCut).order(ByteOrder.LITTLE_ENDIAN).putInt(28, 0xFF0);
        assertMentions(refusal(Arrays.copyOf(phdrsCut, 0x1000)), "program headers at offset 0xff0 run past the end");
        byte[] sizes = elf32(TEXT, Seg.at(TEXT, pattern(0x200, 1), 0x100, PF_X));
        assertMentions(refusal(sizes), "file size (0x200) larger than its memory size (0x100)");
    }

    @Test
    void segmentsThatOverlapOrMissTheEntryPoint() throws IOException {
        assertMentions(refusal(elf32(TEXT, text(TEXT, 0x2000), Seg.at(TEXT + 0x1000, pattern(16, 2), 16, PF_W))),
                "segment 0 [0x100000-0x102000) and segment 1 [0x101000-0x101010) overlap");
        assertMentions(refusal(elf32(0x200000, text(TEXT, 0x100))),
                "entry point 0x200000 lies outside the loaded image (segment 0 [0x100000-0x100100))");
        // QEMU moves a virtual entry point only with an executable segment.
        byte[] data = TestImages.elf32(0xC0100000L, 3, List.of(
                new Seg(0xC0100000L, TEXT, pattern(16, 1), 16, PF_R | PF_W)));
        assertMentions(refusal(data), "entry point 0xc0100000 lies outside the loaded image");
        assertMentions(refusal(elf32(TEXT, Seg.at(TEXT, new byte[0], 0, PF_X))), "has no loadable (PT_LOAD) segment");
    }

    @Test
    void segmentsWhereTheGuestHasNoRam() throws IOException {
        assertMentions(refusal(elf32(TEXT, Seg.at(TEXT, pattern(16, 1), 200 * MIB, PF_X))),
                "segment 0 at [0x100000-0xc900000) does not fit in guest RAM (128M, ending at 0x8000000)",
                "needs at least 201M", "use --memory 208M");
        assertMentions(refusal(elf32(0xF0000, text(0xF0000, 0x100))), "overlaps the EBDA, VGA and BIOS area",
                "link the kernel at 1 MiB");
        assertMentions(refusal(elf32(0x9F000, text(0x9F000, 0x1000))), "overlaps the EBDA");
        assertMentions(refusal(elf32(0x100, text(0x100, 0x100))), "interrupt vector table and BIOS data area");
        assertMentions(refusal(elf32(0xD0000000L, text(0xD0000000L, 0x100))), "PCI hole above 0xc0000000");
        byte[] high = TestImages.elf64(0x1_0000_0000L, 3, List.of(text(0x1_0000_0000L, 0x100)));
        assertMentions(refusal(high), "segment 0 at 0x100000000 (+0x100 bytes) does not fit below 4 GiB");
        byte[] wraps = elf32(0xFFFFF000L, Seg.at(0xFFFFF000L, pattern(16, 1), 0x2000, PF_X));
        assertMentions(refusal(wraps), "does not fit below 4 GiB");
    }

    @Test
    void aoutKludgeFieldsAreChecked() throws IOException {
        assertMentions(refusal(aout(TEXT - 0x10, TEXT, 0, 0, TEXT)), "header_addr 0xffff0 is below load_addr 0x100000");
        assertMentions(refusal(aout(TEXT + 0x100, TEXT, 0, 0, TEXT)),
                "load_addr 0x100000 is 0x100 bytes before header_addr", "only 0x40 bytes into the file");
        assertMentions(refusal(aout(TEXT + 0x40, TEXT, TEXT - 1, 0, TEXT)), "load_end_addr 0xfffff is below load_addr");
        assertMentions(refusal(aout(TEXT + 0x40, TEXT, TEXT + 0x10000, 0, TEXT)),
                "is truncated: load_end_addr 0x110000 asks for 0x10000 bytes from file offset 0x0");
        assertMentions(refusal(aout(TEXT + 0x40, TEXT, 0, TEXT + 0x10, TEXT)),
                "bss_end_addr 0x100010 is below the end of the loaded image 0x100200");
        assertMentions(refusal(aout(TEXT + 0x40, TEXT, 0, 0, TEXT + 0x200)), "entry point 0x100200 lies outside");
        byte[] cut = Arrays.copyOf(aout(TEXT + 0x40, TEXT, 0, 0, TEXT), 0x50);
        assertMentions(refusal(cut), "truncated inside its multiboot header's address fields");
    }

    /** A 0x200-byte a.out-kludge image with its header at offset 0x40. */
    static byte[] aout(long headerAddr, long loadAddr, long loadEnd, long bssEnd, long entry) {
        byte[] image = new byte[0x200];
        System.arraycopy(TestImages.mbHeader(0x10003, headerAddr, loadAddr, loadEnd, bssEnd, entry), 0, image, 0x40,
                32);
        return image;
    }

    @Test
    void modulesThatDoNotFitNameTheMemoryToAskFor() throws IOException {
        Path kernel = Files.write(dir.resolve("k.elf"), elf32(TEXT, text(TEXT, 0x100)));
        Path big = Files.write(dir.resolve("big.bin"), new byte[(int) (20 * MIB)]);
        BootConfig c = BootConfig.of(new GuestImage.File(kernel)).withMemory(16 * MIB)
                .withModules(List.of(new GuestImage.File(big)));
        ram.close();
        ram = GuestMemory.allocate(16 * MIB);
        assertMentions(refusal(c, big.toString()), "module " + big + " (20.0 MiB) does not fit in guest RAM (16M)",
                "which end at 0x101000", "use --memory 32M");
    }

    @Test
    void tooManyModulesAndANulInTheCommandLine() throws IOException {
        Path kernel = Files.write(dir.resolve("k.elf"), elf32(TEXT, text(TEXT, 0x100)));
        Path m = Files.write(dir.resolve("m"), new byte[1]);
        BootConfig many = BootConfig.of(new GuestImage.File(kernel)).withMemory(128 * MIB)
                .withModules(Collections.nCopies(257, new GuestImage.File(m)));
        assertMentions(assertThrows(BadInputException.class, () -> GuestLoader.load(many, ram)).getMessage(),
                "257 modules are too many");
        BootConfig nul = BootConfig.of(new GuestImage.File(kernel)).withMemory(128 * MIB).withCmdline("a\0b");
        assertMentions(assertThrows(BadInputException.class, () -> GuestLoader.load(nul, ram)).getMessage(),
                "contains a NUL");
    }
}
