package jvisor.guest.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import jvisor.guest.MemoryMap;

/**
 * The zero page ({@code struct boot_params}, Documentation/arch/x86/zero-page.rst): the setup
 * header copied from the image, the fields a boot loader fills in, and the e820 memory map.
 * Everything else stays zero, including the sentinel at 0x1EF that tells the kernel the loader
 * cleared the page properly.
 */
public final class ZeroPage {
    public static final int SIZE = 0x1000;
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0C0;
    static final int EXT_RAMDISK_SIZE = 0x0C4;
    static final int EXT_CMD_LINE_PTR = 0x0C8;
    static final int E820_ENTRIES = 0x1E8;
    static final int SENTINEL = 0x1EF;
    static final int CODE32_START = 0x214;
    static final int E820_TABLE = 0x2D0;
    static final int E820_ENTRY_SIZE = 20;
    public static final int E820_MAX = 128;
    /** "Undefined" boot loader: jvisor has no assigned loader ID. */
    static final int LOADER_UNDEFINED = 0xFF;
    /** The end of the setup heap as an offset from the real-mode code, minus 0x200 (boot.rst). */
    static final int HEAP_END = 0xFE00;
    static final int KASLR_FLAG = 1 << 1;

    private final ByteBuffer page = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final SetupHeader header;

    public ZeroPage(SetupHeader header) {
        this.header = header;
        page.put(SetupHeader.START, header.raw());
        page.put(SetupHeader.TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        // KASLR_FLAG is the kernel's own note to itself; clear means "not randomized", which is true here.
        int flags = (header.loadflags() | SetupHeader.CAN_USE_HEAP) & ~KASLR_FLAG;
        page.put(SetupHeader.LOADFLAGS, (byte) flags);
        page.putShort(SetupHeader.HEAP_END_PTR, (short) HEAP_END);
    }

    public ZeroPage kernelAt(long address) {
        page.putInt(CODE32_START, (int) address);
        return this;
    }

    public ZeroPage commandLine(long address) {
        page.putInt(SetupHeader.CMD_LINE_PTR, (int) address);
        page.putInt(EXT_CMD_LINE_PTR, (int) (address >>> 32));
        return this;
    }

    public ZeroPage ramdisk(long address, long size) {
        page.putInt(SetupHeader.RAMDISK_IMAGE, (int) address);
        page.putInt(SetupHeader.RAMDISK_SIZE, (int) size);
        page.putInt(EXT_RAMDISK_IMAGE, (int) (address >>> 32));
        page.putInt(EXT_RAMDISK_SIZE, (int) (size >>> 32));
        return this;
    }

    /** Records the RSDP's address where the protocol has the field (2.14+); older kernels search for it. */
    public ZeroPage acpiRsdp(long address) {
        if (header.hasAcpiRsdpField()) {
            page.putLong(ACPI_RSDP_ADDR, address);
        }
        return this;
    }

    public ZeroPage memoryMap(MemoryMap map) {
        List<MemoryMap.Entry> entries = map.entries();
        if (entries.size() > E820_MAX) {
            throw new IllegalArgumentException("the zero page holds " + E820_MAX + " e820 entries, not " + entries.size());
        }
        page.put(E820_ENTRIES, (byte) entries.size());
        for (int i = 0; i < entries.size(); i++) {
            int at = E820_TABLE + i * E820_ENTRY_SIZE;
            MemoryMap.Entry e = entries.get(i);
            page.putLong(at, e.base());
            page.putLong(at + 8, e.length());
            page.putInt(at + 16, e.type().code());
        }
        return this;
    }

    public byte[] bytes() {
        return page.array().clone();
    }
}
