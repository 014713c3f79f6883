package jvisor.guest.multiboot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jvisor.guest.MemoryMap;

/**
 * The multiboot information a boot loader leaves for the kernel, as one block: QEMU's layout with
 * the memory map first and the info structure 0x500 bytes in (at 0x9000 and 0x9500 when the block
 * sits where QEMU puts it), then the module list, the strings and a flat GDT matching the segment
 * registers the kernel is entered with.
 *
 * @param cmdline the kernel's command line, without the terminating NUL
 * @param modules where each module was loaded and its string
 */
public record MultibootInfo(MemoryMap memoryMap, String cmdline, String bootLoaderName, List<Module> modules) {
    /** A module loaded at {@code [start, end)}. */
    public record Module(long start, long end, String string) { }

    public static final int FLAG_MEMORY = 1;
    public static final int FLAG_CMDLINE = 1 << 2;
    public static final int FLAG_MODULES = 1 << 3;
    public static final int FLAG_MMAP = 1 << 6;
    public static final int FLAG_BOOT_LOADER_NAME = 1 << 9;

    /** Offsets of the info structure's fields. */
    public static final int MEM_LOWER = 4;
    public static final int MEM_UPPER = 8;
    public static final int CMDLINE = 16;
    public static final int MODS_COUNT = 20;
    public static final int MODS_ADDR = 24;
    public static final int MMAP_LENGTH = 44;
    public static final int MMAP_ADDR = 48;
    public static final int BOOT_LOADER_NAME = 64;
    public static final int INFO_SIZE = 88;

    /** Where the info structure sits in the block. */
    public static final int INFO_OFFSET = 0x500;
    public static final int MMAP_ENTRY_SIZE = 24;
    public static final int MODULE_ENTRY_SIZE = 16;
    /** Selectors of the flat code and data descriptors, as QEMU's multiboot option ROM uses. */
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int GDT_SIZE = 32;

    public MultibootInfo {
        modules = List.copyOf(modules);
        if (memoryMap.entries().size() * MMAP_ENTRY_SIZE > INFO_OFFSET) {
            throw new IllegalArgumentException("memory map too long for the info block");
        }
    }

    /** The block's size in bytes, which does not depend on where it is placed. */
    public int size() {
        int strings = cstring(cmdline).length + cstring(bootLoaderName).length;
        for (Module m : modules) {
            strings += cstring(m.string()).length;
        }
        return gdtOffset(strings) + GDT_SIZE;
    }

    /** Where the info structure (EBX) is when the block starts at {@code base}. */
    public static long infoAddress(long base) {
        return base + INFO_OFFSET;
    }

    /** Where the GDT is when the block starts at {@code base}. */
    public long gdtAddress(long base) {
        return base + size() - GDT_SIZE;
    }

    /** The block's bytes for guest-physical address {@code base}. */
    public byte[] encode(long base) {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        for (MemoryMap.Entry e : memoryMap.entries()) {
            b.putInt(MMAP_ENTRY_SIZE - 4).putLong(e.base()).putLong(e.length()).putInt(e.type().code());
        }
        int modsAt = INFO_OFFSET + INFO_SIZE;
        b.position(modsAt + modules.size() * MODULE_ENTRY_SIZE);
        int cmdlineAt = put(b, cmdline);
        int nameAt = put(b, bootLoaderName);
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            int stringAt = put(b, m.string());
            int entry = modsAt + i * MODULE_ENTRY_SIZE;
            b.putInt(entry, (int) m.start()).putInt(entry + 4, (int) m.end()).putInt(entry + 8, (int) (base + stringAt));
        }
        int info = INFO_OFFSET;
        b.putInt(info, FLAG_MEMORY | FLAG_CMDLINE | FLAG_MODULES | FLAG_MMAP | FLAG_BOOT_LOADER_NAME);
        b.putInt(info + MEM_LOWER, (int) memoryMap.lowerMemoryKib());
        b.putInt(info + MEM_UPPER, (int) memoryMap.upperMemoryKib());
        b.putInt(info + CMDLINE, (int) (base + cmdlineAt));
        b.putInt(info + MODS_COUNT, modules.size());
        b.putInt(info + MODS_ADDR, (int) (base + modsAt));
        b.putInt(info + MMAP_LENGTH, memoryMap.entries().size() * MMAP_ENTRY_SIZE);
        b.putInt(info + MMAP_ADDR, (int) base);
        b.putInt(info + BOOT_LOADER_NAME, (int) (base + nameAt));
        putGdt(b, size() - GDT_SIZE);
        return b.array();
    }

    private int gdtOffset(int strings) {
        int end = INFO_OFFSET + INFO_SIZE + modules.size() * MODULE_ENTRY_SIZE + strings;
        return (end + 7) & ~7;
    }

    /** Writes a NUL-terminated string at the buffer's position; returns its offset. */
    private static int put(ByteBuffer b, String s) {
        int at = b.position();
        b.put(cstring(s));
        return at;
    }

    private static byte[] cstring(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[text.length + 1];
        System.arraycopy(text, 0, z, 0, text.length);
        return z;
    }

    /** Null, unused, then flat 4 GiB code and data descriptors at the selectors the state uses. */
    private static void putGdt(ByteBuffer b, int at) {
        b.putLong(at, 0);
        b.putLong(at + 8, 0);
        b.putLong(at + CODE_SELECTOR, 0x00CF_9B00_0000_FFFFL);
        b.putLong(at + DATA_SELECTOR, 0x00CF_9300_0000_FFFFL);
    }
}
