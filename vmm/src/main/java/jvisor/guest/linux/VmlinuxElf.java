package jvisor.guest.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import jvisor.boot.BadInputException;

/**
 * The decompressed kernel: an x86-64 ELF executable whose loadable segments carry their physical
 * addresses and whose entry point is the physical address of the kernel's {@code startup_64}.
 * Bytes after the ELF (the relocation table the build appends) are ignored: jvisor loads the
 * kernel where it was linked, so nothing needs relocating.
 */
public record VmlinuxElf(long entry, List<Segment> segments) {
    static final int EM_X86_64 = 62;
    static final int ET_EXEC = 2;
    static final int PT_LOAD = 1;
    static final int PF_X = 1;
    static final int MAX_PROGRAM_HEADERS = 256;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One PT_LOAD segment: {@code fileSize} bytes from {@code offset}, then zeros up to {@code memorySize}. */
    public record Segment(long offset, long physical, long virtual, long fileSize, long memorySize, int flags) {
        public long end() {
            return physical + memorySize;
        }

        boolean contains(long address) {
            return address >= physical && address < physical + fileSize;
        }
    }

    public VmlinuxElf {
        segments = List.copyOf(segments);
    }

    /** The lowest physical address any segment occupies. */
    public long start() {
        return segments.stream().mapToLong(Segment::physical).min().orElseThrow();
    }

    /** The end of the highest segment. */
    public long end() {
        return segments.stream().mapToLong(Segment::end).max().orElseThrow();
    }

    /** Parses {@code elf}, checking every header and segment against its size; problems name {@code source}. */
    public static VmlinuxElf parse(String source, byte[] elf) {
        return parse(source, MemorySegment.ofArray(elf));
    }

    /** {@link #parse(String, byte[])} for bytes anywhere in memory (a mapped file, say). */
    public static VmlinuxElf parse(String source, MemorySegment elf) {
        long length = elf.byteSize();
        if (length < 64 || elf.get(U32, 0) != 0x464C_457F) {
            throw bad(source, "is not an ELF file");
        }
        if (elf.get(ValueLayout.JAVA_BYTE, 4) != 2 || elf.get(ValueLayout.JAVA_BYTE, 5) != 1) {
            throw bad(source, "is not a 64-bit little-endian ELF");
        }
        if (elf.get(U16, 18) != EM_X86_64 || elf.get(U16, 16) != ET_EXEC) {
            throw bad(source, "is not an x86-64 executable (type " + elf.get(U16, 16) + ", machine " + elf.get(U16, 18) + ")");
        }
        long phoff = elf.get(U64, 32);
        int phentsize = elf.get(U16, 54) & 0xFFFF;
        int phnum = elf.get(U16, 56) & 0xFFFF;
        if (phentsize < 56 || phnum == 0 || phnum > MAX_PROGRAM_HEADERS
                || phoff < 0 || phoff + (long) phentsize * phnum > length) {
            throw bad(source, "has " + phnum + " program headers of " + phentsize + " bytes at " + phoff
                    + ", outside its " + length + " bytes");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (elf.get(U32, at) != PT_LOAD) {
                continue;
            }
            Segment s = new Segment(elf.get(U64, at + 8), elf.get(U64, at + 24), elf.get(U64, at + 16),
                    elf.get(U64, at + 32), elf.get(U64, at + 40), elf.get(U32, at + 4));
            if (s.offset() < 0 || s.fileSize() < 0 || s.fileSize() > length - s.offset()) {
                throw bad(source, "has segment " + i + " with " + s.fileSize() + " bytes at file offset " + s.offset()
                        + ", outside its " + length + " bytes");
            }
            if (s.memorySize() < s.fileSize() || s.physical() < 0 || s.end() < s.physical()) {
                throw bad(source, String.format("has segment %d at physical 0x%x with impossible sizes "
                        + "(file %d, memory %d)", i, s.physical(), s.fileSize(), s.memorySize()));
            }
            segments.add(s);
        }
        if (segments.isEmpty()) {
            throw bad(source, "has no loadable segment");
        }
        long entry = elf.get(U64, 24);
        if (segments.stream().noneMatch(s -> s.contains(entry) && (s.flags() & PF_X) != 0)) {
            throw bad(source, String.format("has its entry point 0x%x outside every executable segment", entry));
        }
        return new VmlinuxElf(entry, segments);
    }

    private static BadInputException bad(String source, String problem) {
        return new BadInputException(source + ": the decompressed kernel " + problem);
    }
}
