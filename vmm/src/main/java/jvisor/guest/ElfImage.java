package jvisor.guest;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an ELF executable a boot loader needs: class, machine, entry point and the
 * loadable program headers, all validated against the file. ELF32 (i386) and ELF64 (x86-64),
 * little-endian, executables only.
 */
public record ElfImage(int elfClass, int machine, long entry, List<ProgramHeader> loads) {
    public static final int CLASS_32 = 1;
    public static final int CLASS_64 = 2;
    public static final int EM_386 = 3;
    public static final int EM_X86_64 = 62;
    /** More program headers than any kernel has; bounds the work a hostile file can cause. */
    public static final int MAX_PROGRAM_HEADERS = 128;

    private static final byte[] MAGIC = {0x7F, 'E', 'L', 'F'};
    private static final int ET_EXEC = 2;
    private static final int PT_LOAD = 1;
    private static final int PF_X = 1;

    /** A PT_LOAD program header; {@code index} is its position in the table. */
    public record ProgramHeader(int index, long offset, long vaddr, long paddr, long fileSize, long memSize,
                                int flags) {
        public boolean executable() {
            return (flags & PF_X) != 0;
        }
    }

    public static boolean isElf(ImageBytes image) {
        return image.matches(0, MAGIC);
    }

    /** Parses and validates the ELF header and program headers of {@code image}. */
    public static ElfImage parse(ImageBytes image) {
        if (!isElf(image)) {
            throw image.bad("is not an ELF file (no \\x7fELF magic)");
        }
        int elfClass = image.u8(4);
        if (elfClass != CLASS_32 && elfClass != CLASS_64) {
            throw image.bad("has an unknown ELF class " + elfClass + " (expected 1 for ELF32 or 2 for ELF64)");
        }
        boolean is64 = elfClass == CLASS_64;
        int headerSize = is64 ? 64 : 52;
        if (image.length() < headerSize) {
            throw image.bad("is truncated: " + image.length() + " bytes is shorter than an ELF header ("
                    + headerSize + ")");
        }
        if (image.u8(5) != 1) {
            throw image.bad("is a big-endian ELF file; x86 kernels are little-endian");
        }
        if (image.u8(6) != 1) {
            throw image.bad("has ELF version " + image.u8(6) + "; only version 1 exists");
        }
        int type = image.u16(16);
        int machine = image.u16(18);
        int expected = is64 ? EM_X86_64 : EM_386;
        if (machine != expected) {
            throw image.bad("is an ELF" + (is64 ? "64" : "32") + " file for machine " + machine
                    + machineName(machine) + ", not " + (is64 ? "x86-64 (EM_X86_64 = 62)" : "i386 (EM_386 = 3)"));
        }
        if (type != ET_EXEC) {
            throw image.bad("is an ELF file of type " + type + (type == 3 ? " (shared object/PIE)" : "")
                    + ", not an executable (ET_EXEC); link the kernel statically at a fixed address");
        }
        long entry = is64 ? image.u64(24) : image.u32(24);
        long phoff = is64 ? image.u64(32) : image.u32(28);
        int phentsize = image.u16(is64 ? 54 : 42);
        int phnum = image.u16(is64 ? 56 : 44);
        return new ElfImage(elfClass, machine, entry, programHeaders(image, is64, phoff, phentsize, phnum));
    }

    private static List<ProgramHeader> programHeaders(ImageBytes image, boolean is64, long phoff, int phentsize,
                                                      int phnum) {
        int expectedSize = is64 ? 56 : 32;
        if (phnum == 0) {
            throw image.bad("has no program headers, so nothing to load");
        }
        if (phnum > MAX_PROGRAM_HEADERS) {
            throw image.bad("has " + phnum + " program headers; jvisor accepts at most " + MAX_PROGRAM_HEADERS);
        }
        if (phentsize != expectedSize) {
            throw image.bad("has program headers of " + phentsize + " bytes; ELF" + (is64 ? "64" : "32")
                    + " uses " + expectedSize);
        }
        if (phoff < 0 || !image.contains(phoff, (long) phnum * phentsize)) {
            throw image.bad(String.format("is truncated: its %d program headers at offset %#x run past the end "
                    + "of the file (%d bytes)", phnum, phoff, image.length()));
        }
        List<ProgramHeader> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (image.u32(at) != PT_LOAD) {
                continue;
            }
            ProgramHeader ph = is64
                    ? new ProgramHeader(i, image.u64(at + 8), image.u64(at + 16), image.u64(at + 24),
                            image.u64(at + 32), image.u64(at + 40), (int) image.u32(at + 4))
                    : new ProgramHeader(i, image.u32(at + 4), image.u32(at + 8), image.u32(at + 12),
                            image.u32(at + 16), image.u32(at + 20), (int) image.u32(at + 24));
            loads.add(validated(image, ph));
        }
        return List.copyOf(loads);
    }

    private static ProgramHeader validated(ImageBytes image, ProgramHeader ph) {
        if (Long.compareUnsigned(ph.fileSize(), ph.memSize()) > 0) {
            throw image.bad(String.format("program header %d has a file size (%#x) larger than its memory size "
                    + "(%#x)", ph.index(), ph.fileSize(), ph.memSize()));
        }
        if (ph.offset() < 0 || ph.fileSize() < 0 || !image.contains(ph.offset(), ph.fileSize())) {
            throw image.bad(String.format("program header %d (file bytes %#x+%#x) lies outside the file (%d "
                    + "bytes); the file is truncated or corrupt", ph.index(), ph.offset(), ph.fileSize(),
                    image.length()));
        }
        return ph;
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case EM_386 -> " (i386)";
            case EM_X86_64 -> " (x86-64)";
            case 40 -> " (ARM)";
            case 183 -> " (AArch64)";
            case 243 -> " (RISC-V)";
            case 8 -> " (MIPS)";
            case 20, 21 -> " (PowerPC)";
            default -> "";
        };
    }
}
