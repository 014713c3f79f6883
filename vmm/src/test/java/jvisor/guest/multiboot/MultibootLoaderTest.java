package jvisor.guest.multiboot;

import static jvisor.guest.TestImages.PF_R;
import static jvisor.guest.TestImages.PF_W;
import static jvisor.guest.TestImages.PF_X;
import static jvisor.guest.TestImages.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.engine.CpuState;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.guest.GuestLoader;
import jvisor.guest.LoadedGuest;
import jvisor.guest.MemoryMap;
import jvisor.guest.TestImages;
import jvisor.guest.TestImages.Seg;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multiboot loader against hand-built images: memory contents, the information structure, the entry state. */
class MultibootLoaderTest {
    static final long MIB = 1L << 20;
    static final long TEXT = 0x100000;

    @TempDir
    Path dir;
    private final List<GuestMemory> rams = new ArrayList<>();

    @AfterEach
    void unmap() {
        rams.forEach(GuestMemory::close);
    }

    GuestMemory ram(long size) {
        GuestMemory m = GuestMemory.allocate(size);
        rams.add(m);
        return m;
    }

    Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    BootConfig config(Path kernel) {
        return BootConfig.of(new GuestImage.File(kernel)).withMemory(128 * MIB);
    }

    static byte[] twoSegmentKernel() {
        return TestImages.elf32(TEXT + 0x10, 3, List.of(
                Seg.at(TEXT, pattern(0x2345, 1), 0x2345, PF_R | PF_X),
                Seg.at(0x103000, pattern(0x100, 9), 0x3000, PF_R | PF_W)));
    }

    @Test
    void elf32SegmentsGoToTheirPhysicalAddressesWithTheBssZeroed() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        ram.fill(TEXT, 0x10000, (byte) 0xCC);
        LoadedGuest guest = GuestLoader.load(config(file("k.elf", twoSegmentKernel())), ram);

        assertArrayEquals(pattern(0x2345, 1), ram.read(TEXT, 0x2345));
        assertArrayEquals(pattern(0x100, 9), ram.read(0x103000, 0x100));
        assertArrayEquals(new byte[0x3000 - 0x100], ram.read(0x103100, 0x3000 - 0x100));
        assertEquals(0xCC, ram.read8(0x106000), "nothing is written past the BSS");
        assertEquals(TEXT + 0x10, guest.bootState().regs().rip());
        assertEquals("multiboot", guest.protocol());
    }

    @Test
    void theBspStartsAsTheSpecificationSays() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        CpuState s = GuestLoader.load(config(file("k.elf", twoSegmentKernel())), ram).bootState();

        assertEquals(0x2BADB002L, s.regs().rax());
        assertEquals(MultibootLoader.PREFERRED_INFO_BASE + 0x500, s.regs().rbx(), "QEMU's info address");
        assertEquals(0x2, s.regs().rflags(), "IF clear");
        SystemRegisters r = s.sregs();
        assertEquals(SystemRegisters.CR0_PE | SystemRegisters.CR0_ET, r.cr0());
        assertEquals(0, r.cr4());
        assertEquals(0, r.efer());
        assertEquals(Segment.flatCode32(0x10), r.cs());
        for (Segment data : List.of(r.ds(), r.es(), r.fs(), r.gs(), r.ss())) {
            assertEquals(Segment.flatData32(0x18), data);
        }
        assertEquals(31, r.gdt().limit());
        assertEquals(0x00CF9B000000FFFFL, ram.read64(r.gdt().base() + 0x10), "flat code descriptor behind CS");
        assertEquals(0x00CF93000000FFFFL, ram.read64(r.gdt().base() + 0x18), "flat data descriptor behind DS");
    }

    @Test
    void theInformationStructureDescribesMemoryCommandLineAndLoader() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        Path kernel = file("k.elf", twoSegmentKernel());
        long info = GuestLoader.load(config(kernel).withCmdline("console=ttyS0 x=1"), ram).bootState().regs().rbx();

        assertEquals(1 | 4 | 8 | 64 | 512, ram.read32(info), "mem, cmdline, mods, mmap, loader name");
        assertEquals(639, ram.read32(info + 4));
        assertEquals((128 * MIB - MIB) / 1024, ram.read32(info + 8));
        assertEquals(kernel + " console=ttyS0 x=1", cstring(ram, ram.read32(info + 16)), "QEMU's form");
        assertEquals(0, ram.read32(info + 20), "no modules");
        assertEquals("jvisor", cstring(ram, ram.read32(info + 64)));

        MemoryMap expected = MemoryMap.of(ram);
        int length = ram.read32(info + 44);
        long mmap = Integer.toUnsignedLong(ram.read32(info + 48));
        assertEquals(expected.entries().size() * 24, length);
        List<MemoryMap.Entry> read = new ArrayList<>();
        for (long e = mmap; e < mmap + length; e += 4 + ram.read32(e)) {
            assertEquals(20, ram.read32(e), "size field excludes itself");
            read.add(new MemoryMap.Entry(ram.read64(e + 4), ram.read64(e + 12),
                    MemoryMap.Type.values()[ram.read32(e + 20) - 1]));
        }
        assertEquals(expected.entries(), read);
    }

    @Test
    void modulesArePageAlignedAfterTheKernelWithTheirOwnStrings() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        Path m1 = file("initrd.img", pattern(5000, 3));
        Path m2 = file("empty.bin", new byte[0]);
        Path m3 = file("tiny.bin", pattern(3, 77));
        BootConfig c = config(file("k.elf", twoSegmentKernel()))
                .withModules(List.of(new GuestImage.File(m1), new GuestImage.File(m2), new GuestImage.File(m3)));
        LoadedGuest guest = GuestLoader.load(c, ram);
        long info = guest.bootState().regs().rbx();

        assertEquals(3, ram.read32(info + 20));
        long mods = Integer.toUnsignedLong(ram.read32(info + 24));
        long previousEnd = 0x106000;                           // the kernel's end, BSS included
        List<Path> paths = List.of(m1, m2, m3);
        for (int i = 0; i < 3; i++) {
            long start = Integer.toUnsignedLong(ram.read32(mods + 16L * i));
            long end = Integer.toUnsignedLong(ram.read32(mods + 16L * i + 4));
            byte[] content = Files.readAllBytes(paths.get(i));
            assertEquals(0, start & 0xFFF, "page-aligned");
            assertTrue(start >= previousEnd, "after the kernel and the previous module");
            assertEquals(content.length, end - start);
            assertArrayEquals(content, ram.read(start, content.length));
            assertEquals(paths.get(i).toString(), cstring(ram, ram.read32(mods + 16L * i + 8)));
            previousEnd = end;
        }
        assertEquals(0x106000, Integer.toUnsignedLong(ram.read32(mods)), "the first module right after the kernel");
    }

    @Test
    void anEntryPointAtAVirtualAddressMovesWithItsSegmentAsInQemu() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        byte[] elf32 = TestImages.elf32(0xC010000CL, 3, List.of(
                new Seg(0xC0100000L, TEXT, pattern(0x100, 1), 0x100, PF_R | PF_X)));
        assertEquals(TEXT + 0xC, GuestLoader.load(config(file("hh32.elf", elf32)), ram).bootState().regs().rip());

        byte[] elf64 = TestImages.elf64(0xFFFFFFFF80100020L, 3, List.of(
                new Seg(0xFFFFFFFF80100000L, TEXT, pattern(0x100, 1), 0x1000, PF_R | PF_X)));
        GuestMemory ram2 = ram(128 * MIB);
        LoadedGuest guest = GuestLoader.load(config(file("hh64.elf", elf64)), ram2);
        assertEquals(TEXT + 0x20, guest.bootState().regs().rip());
        assertArrayEquals(pattern(0x100, 1), ram2.read(TEXT, 0x100));
    }

    @Test
    void elf64SegmentsLoadAtTheirPhysicalAddresses() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        byte[] elf = TestImages.elf64(0x200000, 3, List.of(
                Seg.at(0x200000, pattern(0x800, 5), 0x800, PF_R | PF_X),
                Seg.at(0x300000, pattern(0x10, 6), 0x2000, PF_R | PF_W)));
        LoadedGuest guest = GuestLoader.load(config(file("k64.elf", elf)), ram);
        assertEquals(0x200000, guest.bootState().regs().rip());
        assertArrayEquals(pattern(0x800, 5), ram.read(0x200000, 0x800));
        assertArrayEquals(pattern(0x10, 6), ram.read(0x300000, 0x10));
    }

    @Test
    void theAoutKludgeLoadsTheFileFromLoadAddrAndClearsToBssEnd() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        ram.fill(TEXT, 0x10000, (byte) 0xCC);
        byte[] image = pattern(0x1800, 11);
        int at = 0x40;
        System.arraycopy(TestImages.mbHeader(0x10003, TEXT + at, TEXT, 0, TEXT + 0x4000, TEXT + 0x80), 0, image, at,
                32);
        LoadedGuest guest = GuestLoader.load(config(file("aout.bin", image)), ram);

        assertArrayEquals(image, ram.read(TEXT, image.length), "the whole file from load_addr");
        assertArrayEquals(new byte[0x4000 - 0x1800], ram.read(TEXT + 0x1800, 0x4000 - 0x1800));
        assertEquals(TEXT + 0x80, guest.bootState().regs().rip());
    }

    @Test
    void theAddressFieldsWinOverElfProgramHeadersAndLoadEndLimitsTheCopy() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        // ELF headers say 0x100000, the multiboot header says: the file from offset 0x400 - 0x400 = 0 to 0x500000.
        byte[] header = TestImages.mbHeader(0x10000, 0x500000 + TestImages.MB_HEADER_OFFSET, 0x500000,
                0x500000 + 0x1100, 0, 0x500000 + 0x1000);
        byte[] elf = TestImages.elf(false, 3, TEXT, header, List.of(Seg.at(TEXT, pattern(0x200, 1), 0x200, PF_X)));
        LoadedGuest guest = GuestLoader.load(config(file("both.elf", elf)), ram);

        assertEquals(0x501000, guest.bootState().regs().rip());
        assertArrayEquals(java.util.Arrays.copyOf(elf, 0x1100), ram.read(0x500000, 0x1100));
        assertEquals(0, ram.read32(TEXT), "the ELF program headers were ignored");
    }

    @Test
    void aKernelOverQemusInfoAddressPushesTheInfoElsewhere() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        byte[] elf = TestImages.elf32(0x2000, 3, List.of(Seg.at(0x1000, pattern(0x100, 1), 0x1F000, PF_X)));
        LoadedGuest guest = GuestLoader.load(config(file("low.elf", elf)), ram);

        long info = guest.bootState().regs().rbx();
        assertEquals(0x20000 + 0x500, info, "the first free place above 0x9000");
        assertArrayEquals(pattern(0x100, 1), ram.read(0x1000, 0x100), "the kernel is intact");
        assertEquals("jvisor", cstring(ram, ram.read32(info + 64)));
    }

    @Test
    void theVideoModeFlagIsIgnoredAsQemuDoes() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        byte[] elf = TestImages.elf32(TEXT, 0x7, List.of(Seg.at(TEXT, pattern(16, 1), 16, PF_X)));
        long info = GuestLoader.load(config(file("vbe.elf", elf)), ram).bootState().regs().rbx();
        assertEquals(0, ram.read32(info) & ((1 << 11) | (1 << 12)), "no VBE or framebuffer information claimed");
    }

    @Test
    void placementsNeverOverlapAndAvoidTheFirmwareRanges() throws IOException {
        GuestMemory ram = ram(128 * MIB);
        BootConfig c = config(file("k.elf", twoSegmentKernel()))
                .withModules(List.of(new GuestImage.File(file("m", pattern(9000, 1)))));
        var placed = GuestLoader.load(c, ram).placed();
        for (int i = 0; i < placed.size(); i++) {
            var a = placed.get(i);
            assertTrue(a.base() >= 0x500 && (a.end() <= 0x9FC00 || a.base() >= 0x100000), a.toString());
            for (int j = i + 1; j < placed.size(); j++) {
                var b = placed.get(j);
                assertTrue(a.end() <= b.base() || b.end() <= a.base(), a + " overlaps " + b);
            }
        }
    }

    static String cstring(GuestMemory ram, long address) {
        long a = Integer.toUnsignedLong((int) address);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = ram.read8(a)) != 0; a++) {
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
