package jvisor.debug;

import jvisor.engine.CpuState;
import jvisor.engine.GuestMemory;
import jvisor.engine.SystemRegisters;

/**
 * Guest-linear (virtual) addresses through the guest's own page tables, walked in software from a
 * processor's CR0/CR3/CR4/EFER: what a debugger's memory access and a hypercall's pointer
 * argument mean. Engine-neutral; never sets accessed or dirty bits. Page tables are guest data, so
 * every entry is read bounds-checked and a bad table is "not mapped", never an exception.
 */
public final class LinearMemory {
    /** What {@link #translate} returns for an address the tables do not map (or map outside RAM). */
    public static final long UNMAPPED = -1;

    private static final long CR4_LA57 = 1L << 12;
    private static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;

    private final GuestMemory ram;
    private final long cr0;
    private final long cr3;
    private final long cr4;
    private final long efer;

    public LinearMemory(GuestMemory ram, CpuState state) {
        this(ram, state.sregs().cr0(), state.sregs().cr3(), state.sregs().cr4(), state.sregs().efer());
    }

    public LinearMemory(GuestMemory ram, long cr0, long cr3, long cr4, long efer) {
        this.ram = ram;
        this.cr0 = cr0;
        this.cr3 = cr3;
        this.cr4 = cr4;
        this.efer = efer;
    }

    /** The guest-physical address of linear {@code address}, or {@link #UNMAPPED}. */
    public long translate(long address) {
        if ((cr0 & SystemRegisters.CR0_PG) == 0) {
            return address & 0xFFFF_FFFFL;
        }
        if ((efer & SystemRegisters.EFER_LMA) != 0) {
            int levels = (cr4 & CR4_LA57) != 0 ? 5 : 4;
            return walk(cr3 & ADDRESS_MASK, address, levels, 8);
        }
        if ((cr4 & SystemRegisters.CR4_PAE) != 0) {
            long pdpte = entry((cr3 & 0xFFFF_FFE0L) + ((address >>> 30) & 3) * 8, 8);
            if ((pdpte & 1) == 0) {
                return UNMAPPED;
            }
            return walk(pdpte & ADDRESS_MASK, address & 0xFFFF_FFFFL, 2, 8);
        }
        return walk(cr3 & 0xFFFF_F000L, address & 0xFFFF_FFFFL, 2, 4);
    }

    /**
     * Walks {@code levels} tables from {@code table}; 8-byte entries hold 9 index bits per level,
     * 4-byte ones 10. A large page ends the walk early where PS is set (and allowed).
     */
    private long walk(long table, long address, int levels, int entrySize) {
        int bits = entrySize == 8 ? 9 : 10;
        for (int level = levels; level >= 1; level--) {
            int shift = 12 + bits * (level - 1);
            long index = (address >>> shift) & ((1L << bits) - 1);
            long e = entry(table + index * entrySize, entrySize);
            if ((e & 1) == 0) {
                return UNMAPPED;
            }
            boolean large = level > 1 && (e & 0x80) != 0
                    && (entrySize == 8 ? level <= 3 : (cr4 & SystemRegisters.CR4_PSE) != 0);
            if (large) {
                long base;
                if (entrySize == 8) {
                    base = e & ADDRESS_MASK & ~((1L << shift) - 1);
                } else {
                    // 4 MiB page: bits 13-20 of the entry are physical bits 32-39 (PSE-36).
                    base = (e & 0xFFC0_0000L) | ((e >>> 13) & 0xFFL) << 32;
                }
                return checked(base | (address & ((1L << shift) - 1)));
            }
            table = entrySize == 8 ? e & ADDRESS_MASK : e & 0xFFFF_F000L;
        }
        return checked(table | (address & 0xFFF));
    }

    private long entry(long gpa, int size) {
        if (!ram.isRam(gpa, size)) {
            return 0;
        }
        return size == 8 ? ram.read64(gpa) : ram.read32(gpa) & 0xFFFF_FFFFL;
    }

    private long checked(long gpa) {
        return ram.isRam(gpa, 1) ? gpa : UNMAPPED;
    }

    /** Reads up to {@code length} bytes; stops at the first unmapped byte, so the result may be shorter. */
    public byte[] read(long address, int length) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.max(0, Math.min(length, 4096)));
        long a = address;
        int left = length;
        while (left > 0) {
            long gpa = translate(a);
            if (gpa == UNMAPPED) {
                break;
            }
            int inPage = (int) Math.min(left, 0x1000 - (a & 0xFFF));
            if (!ram.isRam(gpa, inPage)) {
                break;
            }
            out.writeBytes(ram.read(gpa, inPage));
            a += inPage;
            left -= inPage;
        }
        return out.toByteArray();
    }

    /** Writes {@code bytes}; returns how many were written before an unmapped byte stopped it. */
    public int write(long address, byte[] bytes) {
        int done = 0;
        while (done < bytes.length) {
            long a = address + done;
            long gpa = translate(a);
            int inPage = (int) Math.min(bytes.length - done, 0x1000 - (a & 0xFFF));
            if (gpa == UNMAPPED || !ram.isRam(gpa, inPage)) {
                break;
            }
            ram.write(gpa, java.util.Arrays.copyOfRange(bytes, done, done + inPage));
            // Decoded code on the page must be dropped (a debugger may be patching instructions).
            ram.deviceWrote(gpa, inPage);
            done += inPage;
        }
        return done;
    }

    /** A NUL-terminated string of at most {@code max} bytes, or null if unmapped or unterminated. */
    public String readCString(long address, int max) {
        byte[] b = read(address, max);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return new String(b, 0, i, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }
}
