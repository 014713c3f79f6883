package jvisor.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Hand-built kernel images for the loader tests: ELF32, ELF64 and a.out-kludge multiboot files. */
public final class TestImages {
    public static final int MB_MAGIC = 0x1BADB002;
    public static final int PF_X = 1;
    public static final int PF_W = 2;
    public static final int PF_R = 4;

    private TestImages() { }

    /** A PT_LOAD segment: {@code data} at {@code paddr} (linked at {@code vaddr}), {@code memSize} in memory. */
    public record Seg(long vaddr, long paddr, byte[] data, long memSize, int flags) {
        public static Seg at(long paddr, byte[] data, long memSize, int flags) {
            return new Seg(paddr, paddr, data, memSize, flags);
        }
    }

    /** The 12-byte multiboot header with a correct checksum. */
    public static byte[] mbHeader(int flags) {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MB_MAGIC).putInt(flags).putInt(-(MB_MAGIC + flags)).array();
    }

    /** The 32-byte multiboot header with the a.out kludge's address fields. */
    public static byte[] mbHeader(int flags, long headerAddr, long loadAddr, long loadEnd, long bssEnd, long entry) {
        return ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MB_MAGIC).putInt(flags).putInt(-(MB_MAGIC + flags))
                .putInt((int) headerAddr).putInt((int) loadAddr).putInt((int) loadEnd).putInt((int) bssEnd)
                .putInt((int) entry).array();
    }

    public static byte[] elf32(long entry, int mbFlags, List<Seg> segs) {
        return elf(false, 3, entry, mbHeader(mbFlags), segs);
    }

    public static byte[] elf64(long entry, int mbFlags, List<Seg> segs) {
        return elf(true, 62, entry, mbHeader(mbFlags), segs);
    }

    /** Where {@link #elf} puts the multiboot header in the file. */
    public static final int MB_HEADER_OFFSET = 0x400;
    /** Where {@link #elf} puts the first segment's data; each next one is 4 KiB-aligned after. */
    public static final int FIRST_DATA_OFFSET = 0x1000;

    /**
     * An ELF executable: header, program headers, {@code mbHeader} (may be null) at
     * {@link #MB_HEADER_OFFSET}, segment data from {@link #FIRST_DATA_OFFSET}.
     */
    public static byte[] elf(boolean is64, int machine, long entry, byte[] mbHeader, List<Seg> segs) {
        int phentsize = is64 ? 56 : 32;
        int ehsize = is64 ? 64 : 52;
        long[] offsets = new long[segs.size()];
        long cursor = FIRST_DATA_OFFSET;
        for (int i = 0; i < segs.size(); i++) {
            offsets[i] = cursor;
            cursor = (cursor + segs.get(i).data().length + 0xFFF) & ~0xFFFL;
        }
        int size = (int) Math.max(cursor, FIRST_DATA_OFFSET);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        if (is64) {
            b.putLong(entry).putLong(ehsize).putLong(0).putInt(0);
        } else {
            b.putInt((int) entry).putInt(ehsize).putInt(0).putInt(0);
        }
        b.putShort((short) ehsize).putShort((short) phentsize).putShort((short) segs.size())
                .putShort((short) (is64 ? 64 : 40)).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < segs.size(); i++) {
            Seg s = segs.get(i);
            b.position(ehsize + i * phentsize);
            if (is64) {
                b.putInt(1).putInt(s.flags()).putLong(offsets[i]).putLong(s.vaddr()).putLong(s.paddr())
                        .putLong(s.data().length).putLong(s.memSize()).putLong(0x1000);
            } else {
                b.putInt(1).putInt((int) offsets[i]).putInt((int) s.vaddr()).putInt((int) s.paddr())
                        .putInt(s.data().length).putInt((int) s.memSize()).putInt(s.flags()).putInt(0x1000);
            }
            b.put((int) offsets[i], s.data());
        }
        if (mbHeader != null) {
            b.put(MB_HEADER_OFFSET, mbHeader);
        }
        return b.array();
    }

    /** {@code n} bytes counting up from {@code seed}, so misplaced copies show. */
    public static byte[] pattern(int n, int seed) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (seed + i * 7);
        }
        return p;
    }
}
