package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.boot.LinuxEntry;
import jvisor.engine.GuestMemory;
import jvisor.guest.MemoryMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LinuxLoaderTest {
    static final long RAM = 64L << 20;
    private final GuestMemory memory = GuestMemory.allocate(RAM);

    @AfterEach
    void close() {
        memory.close();
    }

    private LinuxBoot load(TestBzImage t, byte[] initrd, String cmdline, LinuxEntry how) {
        return load(t.build(), initrd, cmdline, how, 0);
    }

    private LinuxBoot load(byte[] kernel, byte[] initrd, String cmdline, LinuxEntry how, long rsdp) {
        return LinuxLoader.load(memory, new LinuxLoader.Spec("k.img", kernel, "initrd.img", initrd, cmdline, how),
                MemoryMap.of(memory), rsdp);
    }

    private static byte[] initrd(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 0x5C);
        b[0] = 0x1F;
        b[size - 1] = 0x7E;
        return b;
    }

    @Test
    void decompressedEntryLoadsTheSegmentsWhereTheyWereLinkedAndClearsBss() {
        memory.fill(TestBzImage.TEXT, 0x30_0000, (byte) 0xEE);
        TestBzImage t = new TestBzImage();
        LinuxBoot boot = load(t, null, "", LinuxEntry.DECOMPRESSED);
        byte[] elf = t.vmlinux();
        assertArrayEquals(Arrays.copyOfRange(elf, 0x1000, 0x1000 + TestBzImage.TEXT_SIZE),
                memory.read(TestBzImage.TEXT, TestBzImage.TEXT_SIZE));
        int dataAt = 0x1000 + TestBzImage.TEXT_SIZE;
        assertArrayEquals(Arrays.copyOfRange(elf, dataAt, dataAt + TestBzImage.DATA_FILE_SIZE),
                memory.read(TestBzImage.DATA, TestBzImage.DATA_FILE_SIZE));
        byte[] bss = memory.read(TestBzImage.DATA + TestBzImage.DATA_FILE_SIZE,
                (int) (TestBzImage.DATA_MEMORY_SIZE - TestBzImage.DATA_FILE_SIZE));
        assertArrayEquals(new byte[bss.length], bss);
        assertEquals(TestBzImage.TEXT, boot.entry());
        assertEquals(TestBzImage.TEXT, boot.state().regs().rip());
        assertEquals(LinuxLayout.ZERO_PAGE, boot.state().regs().rsi());
        assertEquals(TestBzImage.TEXT + t.initSize, boot.kernelEnd());
    }

    @Test
    void protocolEntryLoadsTheProtectedModeKernelAtPrefAddressAndEntersAt0x200() {
        TestBzImage t = new TestBzImage();
        byte[] image = t.build();
        LinuxBoot boot = load(image, null, "", LinuxEntry.PROTOCOL, 0);
        assertArrayEquals(Arrays.copyOfRange(image, 1024, image.length),
                memory.read(TestBzImage.TEXT, image.length - 1024));
        assertEquals(TestBzImage.TEXT + 0x200, boot.state().regs().rip());
        assertEquals(TestBzImage.TEXT, boot.kernelStart());
    }

    @Test
    void aRelocatableKernelMovesUpToTheNextAlignedPlaceWhenPrefAddressIsNotRam() {
        MemoryMap map = new MemoryMap(List.of(new MemoryMap.Entry(0, 0x9FC00, MemoryMap.Type.USABLE),
                new MemoryMap.Entry(0x10_0000, 0xF0_0000 - 0x10_0000, MemoryMap.Type.USABLE),
                new MemoryMap.Entry(0xF0_0000, 0x130_0000 - 0xF0_0000, MemoryMap.Type.RESERVED),
                new MemoryMap.Entry(0x130_0000, RAM - 0x130_0000, MemoryMap.Type.USABLE)));
        byte[] image = new TestBzImage().build();
        LinuxBoot boot = LinuxLoader.load(memory, new LinuxLoader.Spec("k.img", image, null, null, "",
                LinuxEntry.PROTOCOL), map, 0);
        assertEquals(0x140_0000, boot.kernelStart(), "the next 2 MiB boundary above the reserved range");
        assertEquals(0x140_0200, boot.state().regs().rip());
    }

    @Test
    void theZeroPageCarriesTheHeaderAndWhatTheLoaderChose() {
        byte[] image = new TestBzImage().build();
        byte[] rd = initrd(10_000);
        LinuxBoot boot = load(image, rd, "console=ttyS0 quiet", LinuxEntry.DECOMPRESSED, 0xF5A40L);
        long zp = LinuxLayout.ZERO_PAGE;
        int headerEnd = 0x202 + 0x6A;
        byte[] header = memory.read(zp + 0x1F1, headerEnd - 0x1F1);
        // Fields the loader writes differ from the image; everything else is the image's header.
        for (int off = 0x1F1; off < headerEnd; off++) {
            boolean written = off == 0x210 || off == 0x211 || (off >= 0x214 && off < 0x220)
                    || (off >= 0x224 && off < 0x22C);
            if (!written) {
                assertEquals(image[off], header[off - 0x1F1], String.format("header byte 0x%x", off));
            }
        }
        assertEquals(0xFF, memory.read8(zp + 0x210), "type_of_loader");
        assertEquals(SetupHeader.LOADED_HIGH | SetupHeader.CAN_USE_HEAP, memory.read8(zp + 0x211), "loadflags");
        assertEquals(0xFE00, memory.read16(zp + 0x224), "heap_end_ptr");
        assertEquals(0, memory.read8(zp + 0x1EF), "sentinel");
        assertEquals(LinuxLayout.CMDLINE, memory.read32(zp + 0x228) & 0xFFFF_FFFFL);
        assertEquals(0, memory.read32(zp + 0x0C8), "ext_cmd_line_ptr");
        assertEquals("console=ttyS0 quiet\0", new String(memory.read(LinuxLayout.CMDLINE, 20)));
        assertEquals(boot.initrdAddress(), memory.read32(zp + 0x218) & 0xFFFF_FFFFL);
        assertEquals(rd.length, memory.read32(zp + 0x21C));
        assertEquals(0xF5A40L, memory.read64(zp + 0x070), "acpi_rsdp_addr");
        assertArrayEquals(rd, memory.read(boot.initrdAddress(), rd.length));
    }

    @Test
    void theE820TableIsThePlatformsMemoryMap() {
        load(new TestBzImage(), null, "", LinuxEntry.DECOMPRESSED);
        long zp = LinuxLayout.ZERO_PAGE;
        List<MemoryMap.Entry> map = MemoryMap.of(memory).entries();
        assertEquals(map.size(), memory.read8(zp + 0x1E8));
        for (int i = 0; i < map.size(); i++) {
            long at = zp + 0x2D0 + 20L * i;
            MemoryMap.Entry e = map.get(i);
            assertEquals(e.base(), memory.read64(at));
            assertEquals(e.length(), memory.read64(at + 8));
            assertEquals(e.type().code(), memory.read32(at + 16));
        }
        assertTrue(map.contains(new MemoryMap.Entry(0x10_0000, RAM - 0x10_0000, MemoryMap.Type.USABLE)));
    }

    @Test
    void noRsdpFieldBeforeProtocol214() {
        TestBzImage t = new TestBzImage();
        t.version = 0x020C;
        load(t.build(), null, "", LinuxEntry.DECOMPRESSED, 0xF5A40L);
        assertEquals(0, memory.read64(LinuxLayout.ZERO_PAGE + 0x070));
    }

    @Test
    void theInitrdGoesAsHighAsAllowedPageAligned() {
        byte[] rd = initrd(10_000);
        LinuxBoot top = load(new TestBzImage(), rd, "", LinuxEntry.DECOMPRESSED);
        assertEquals((RAM - rd.length) & ~0xFFFL, top.initrdAddress());
        TestBzImage capped = new TestBzImage();
        capped.initrdAddrMax = 0x2FF_FFFF;
        LinuxBoot below = load(capped, rd, "", LinuxEntry.DECOMPRESSED);
        assertEquals((0x300_0000 - rd.length) & ~0xFFFL, below.initrdAddress());
        assertTrue(below.initrdAddress() >= below.kernelEnd());
    }

    @Test
    void aCommandLineLongerThanCmdlineSizeIsRejected() {
        TestBzImage t = new TestBzImage();
        t.cmdlineSize = 10;
        String message = assertThrows(BadInputException.class,
                () -> load(t, null, "console=ttyS0", LinuxEntry.DECOMPRESSED)).getMessage();
        assertTrue(message.contains("13 bytes") && message.contains("10"), message);
    }

    @Test
    void aKernelTooLargeForGuestMemoryNamesSizesAndSuggestsMemory() {
        TestBzImage t = new TestBzImage();
        t.initSize = 60L << 20;
        for (LinuxEntry how : LinuxEntry.values()) {
            String message = assertThrows(BadInputException.class, () -> load(t, null, "", how)).getMessage();
            assertTrue(message.contains("k.img") && message.contains("60M") && message.contains("--memory"), message);
        }
    }

    @Test
    void anInitrdTooLargeForWhatIsLeftIsRejected() {
        String message = assertThrows(BadInputException.class,
                () -> load(new TestBzImage(), initrd(50 << 20), "", LinuxEntry.DECOMPRESSED)).getMessage();
        assertTrue(message.contains("initrd.img") && message.contains("--memory"), message);
    }

    @Test
    void anInitrdAddrMaxBelowTheKernelMakesPlacementImpossible() {
        TestBzImage t = new TestBzImage();
        t.initrdAddrMax = 0xFF_FFFF;
        String message = assertThrows(BadInputException.class,
                () -> load(t, initrd(4096), "", LinuxEntry.DECOMPRESSED)).getMessage();
        assertTrue(message.contains("initrd_addr_max"), message);
    }
}
