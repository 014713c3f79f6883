package jvisor.devices.iommu;

import jvisor.engine.GuestMemory;

/**
 * DMA remapping in legacy mode (VT-d 3.4, 9.1-9.3): the requester's bus picks a root entry, its
 * device and function a context entry, and the context's second-level page table (3 levels for a
 * 39-bit, 4 for a 48-bit address width) maps the address, with 2 MiB and 1 GiB leaves. Reads
 * every entry from guest memory on every request: nothing is cached, so every invalidation the
 * guest asks for is already done.
 */
final class SecondLevelTranslation {
    static final long PAGE_MASK = ~0xFFFL;
    /** Host address width 48: entries' address bits 47-12; bits 51-48 are reserved. */
    static final long ADDRESS_BITS = 0x0000_FFFF_FFFF_F000L;
    static final long HIGH_RESERVED = 0x000F_0000_0000_0000L;
    static final int TYPE_UNTRANSLATED = 0;
    static final int TYPE_PASS_THROUGH = 2;
    private static final long READ = 1;
    private static final long WRITE = 2;
    private static final long SUPERPAGE = 1 << 7;

    private final GuestMemory ram;
    private final long capability;
    private final boolean passThrough;

    SecondLevelTranslation(GuestMemory ram, long capability, boolean passThrough) {
        this.ram = ram;
        this.capability = capability;
        this.passThrough = passThrough;
    }

    /** The guest-physical address of {@code address} for {@code requester} under root table {@code rootTable}. */
    long translate(long rootTable, int requester, long address, boolean write) throws VtdFault {
        long root = rootTable + ((requester >>> 8) & 0xFF) * 16L;
        if (!ram.isRam(root, 16)) {
            throw new VtdFault(VtdFault.ROOT_TABLE_ACCESS, false);
        }
        long rootLow = ram.read64(root);
        if ((rootLow & 1) == 0) {
            throw new VtdFault(VtdFault.ROOT_NOT_PRESENT, false);
        }
        if ((rootLow & 0xFFEL) != 0 || ram.read64(root + 8) != 0 || (rootLow & HIGH_RESERVED) != 0) {
            throw new VtdFault(VtdFault.ROOT_RESERVED, false);
        }
        long context = (rootLow & ADDRESS_BITS) + (requester & 0xFF) * 16L;
        if (!ram.isRam(context, 16)) {
            throw new VtdFault(VtdFault.CONTEXT_TABLE_ACCESS, false);
        }
        long low = ram.read64(context);
        long high = ram.read64(context + 8);
        if ((low & 1) == 0) {
            throw new VtdFault(VtdFault.CONTEXT_NOT_PRESENT, false);
        }
        boolean quiet = (low & 2) != 0;
        if ((low & 0xFF0L) != 0 || (low & HIGH_RESERVED) != 0 || (high & 0xFFFF_FFFF_FF00_0080L) != 0) {
            throw new VtdFault(VtdFault.CONTEXT_RESERVED, quiet);
        }
        int type = (int) (low >>> 2) & 3;
        if (type == TYPE_PASS_THROUGH && passThrough) {
            return address;
        }
        if (type != TYPE_UNTRANSLATED) {
            throw new VtdFault(VtdFault.CONTEXT_INVALID, quiet);
        }
        int width = (int) high & 7;
        if ((capability >>> IntelIommu.CAP_SAGAW_SHIFT & 0x1F & 1 << width) == 0 || width == 0) {
            throw new VtdFault(VtdFault.CONTEXT_INVALID, quiet);
        }
        int levels = width + 2;
        int bits = Math.min(12 + 9 * levels, IntelIommu.ADDRESS_WIDTH);
        if (address >>> bits != 0) {
            throw new VtdFault(VtdFault.ADDRESS_BEYOND_WIDTH, quiet);
        }
        return walk(low & ADDRESS_BITS, levels, address, write, quiet);
    }

    private long walk(long table, int levels, long address, boolean write, boolean quiet) throws VtdFault {
        for (int level = levels; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            long slot = table + ((address >>> shift) & 0x1FF) * 8;
            if (!ram.isRam(slot, 8)) {
                throw new VtdFault(VtdFault.PAGING_ENTRY_ACCESS, quiet);
            }
            long entry = ram.read64(slot);
            if ((entry & (write ? WRITE : READ)) == 0) {
                throw new VtdFault(write ? VtdFault.WRITE_DENIED : VtdFault.READ_DENIED, quiet);
            }
            if ((entry & HIGH_RESERVED) != 0) {
                throw new VtdFault(VtdFault.PAGING_ENTRY_RESERVED, quiet);
            }
            boolean leaf = level == 1 || (entry & SUPERPAGE) != 0;
            if (!leaf) {
                table = entry & ADDRESS_BITS;
                continue;
            }
            long pageMask = (1L << shift) - 1;
            if (level > 1 && (level > 3 || (capability >>> IntelIommu.CAP_SLLPS_SHIFT & 1 << (level - 2)) == 0
                    || (entry & ADDRESS_BITS & pageMask) != 0)) {
                throw new VtdFault(VtdFault.PAGING_ENTRY_RESERVED, quiet);
            }
            return (entry & ADDRESS_BITS & ~pageMask) | (address & pageMask);
        }
        throw new IllegalStateException("unreachable: level 1 is always a leaf");
    }
}
