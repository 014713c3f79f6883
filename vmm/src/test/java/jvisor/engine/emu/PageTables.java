package jvisor.engine.emu;

import jvisor.engine.GuestMemory;

/** Builds 4-level page tables in guest RAM for tests: tables come from a pool after the PML4. */
public final class PageTables {
    public static final long P = 1;
    public static final long RW = 2;
    public static final long US = 4;
    public static final long PS = 0x80;
    public static final long G = 0x100;
    public static final long NX = 1L << 63;

    private final GuestMemory ram;
    private final long pml4;
    private final long poolEnd;
    private long next;

    public PageTables(GuestMemory ram, long pml4, long poolEnd) {
        this.ram = ram;
        this.pml4 = pml4;
        this.poolEnd = poolEnd;
        this.next = pml4 + 0x1000;
        ram.fill(pml4, 0x1000, (byte) 0);
    }

    public long root() {
        return pml4;
    }

    private long table(long parent, int index, long flags) {
        long e = ram.read64(parent + index * 8L);
        if ((e & P) != 0) {
            ram.write64(parent + index * 8L, e | (flags & (RW | US)));
            return e & 0xF_FFFF_FFFF_F000L;
        }
        if (next >= poolEnd) {
            throw new IllegalStateException("page-table pool exhausted");
        }
        long t = next;
        next += 0x1000;
        ram.fill(t, 0x1000, (byte) 0);
        ram.write64(parent + index * 8L, t | P | RW | (flags & US));
        return t;
    }

    private static int idx(long lin, int level) {
        return (int) (lin >>> (12 + 9 * (level - 1))) & 0x1FF;
    }

    /** Maps one 4 KiB page; {@code flags} are P/RW/US/G/NX bits of the leaf. */
    public void map4k(long lin, long phys, long flags) {
        long pdpt = table(pml4, idx(lin, 4), flags);
        long pd = table(pdpt, idx(lin, 3), flags);
        long pt = table(pd, idx(lin, 2), flags);
        ram.write64(pt + idx(lin, 1) * 8L, phys | flags);
    }

    public void map2m(long lin, long phys, long flags) {
        long pdpt = table(pml4, idx(lin, 4), flags);
        long pd = table(pdpt, idx(lin, 3), flags);
        ram.write64(pd + idx(lin, 2) * 8L, phys | flags | PS);
    }

    public void map1g(long lin, long phys, long flags) {
        long pdpt = table(pml4, idx(lin, 4), flags);
        ram.write64(pdpt + idx(lin, 3) * 8L, phys | flags | PS);
    }

    /** Identity-maps {@code [from, to)} with 2 MiB pages, keeping any mapping already there. */
    public void identity2m(long from, long to) {
        for (long a = from; a < to; a += 2L << 20) {
            long pdpt = table(pml4, idx(a, 4), 0);
            long pd = table(pdpt, idx(a, 3), 0);
            if ((ram.read64(pd + idx(a, 2) * 8L) & P) == 0) {
                ram.write64(pd + idx(a, 2) * 8L, a | P | RW | PS);
            }
        }
    }

    /** The guest-physical address of the leaf entry mapping {@code lin} (4 KiB tables only). */
    public long leafAddress4k(long lin) {
        long pdpt = ram.read64(pml4 + idx(lin, 4) * 8L) & 0xF_FFFF_FFFF_F000L;
        long pd = ram.read64(pdpt + idx(lin, 3) * 8L) & 0xF_FFFF_FFFF_F000L;
        long pt = ram.read64(pd + idx(lin, 2) * 8L) & 0xF_FFFF_FFFF_F000L;
        return pt + idx(lin, 1) * 8L;
    }

    /** The leaf entry mapping {@code lin} (4 KiB tables only), for checking accessed/dirty bits. */
    public long leaf4k(long lin) {
        long pdpt = ram.read64(pml4 + idx(lin, 4) * 8L) & 0xF_FFFF_FFFF_F000L;
        long pd = ram.read64(pdpt + idx(lin, 3) * 8L) & 0xF_FFFF_FFFF_F000L;
        long pt = ram.read64(pd + idx(lin, 2) * 8L) & 0xF_FFFF_FFFF_F000L;
        return ram.read64(pt + idx(lin, 1) * 8L);
    }
}
