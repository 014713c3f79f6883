package jvisor.engine.emu.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Walks the guest's page tables: none (paging off), 32-bit two-level (with 4 MiB pages under
 * CR4.PSE), PAE three-level and 4-level long mode (2 MiB and 1 GiB pages, NX). Checks reserved
 * bits and permissions, sets accessed and dirty bits atomically (another processor may be
 * updating the same entry), and hands the result to the TLB.
 */
final class PageWalker {
    static final int OFF = 0;
    static final int LEGACY = 1;
    static final int PAE = 2;
    static final int LONG = 3;

    /** The physical-address width CPUID advertises. */
    static final int MAX_PHYS_BITS = 40;
    static final long ADDR_MASK = ((1L << MAX_PHYS_BITS) - 1) & ~0xFFFL;
    private static final long RSVD_HIGH = ((1L << 52) - 1) & ~((1L << MAX_PHYS_BITS) - 1);

    static final long P = 1;
    static final long RW = 1 << 1;
    static final long US = 1 << 2;
    static final long A = 1 << 5;
    static final long D = 1 << 6;
    static final long PS = 1 << 7;
    static final long G = 1 << 8;
    static final long NX = 1L << 63;

    static final int PF_P = 1;
    static final int PF_W = 2;
    static final int PF_U = 4;
    static final int PF_RSVD = 8;
    static final int PF_I = 16;
    static final int PF_PK = 32;

    private static final VarHandle LONG_CAS =
            ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle INT_CAS =
            ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Mmu mmu;
    private final Cpu cpu;
    private int mode;
    private boolean wp;
    private boolean nxe;
    private boolean pse;
    private boolean pge;
    private boolean smep;
    private boolean smap;
    /** CR4.PKE and CR4.PKS: protection keys of user and supervisor pages apply (4-level paging only). */
    private boolean pke;
    private boolean pks;
    private long cr3;
    /**
     * The access being translated is an implicit supervisor access (a descriptor table, the IDT,
     * the TSS): SMAP refuses it on user pages whatever EFLAGS.AC says. Set by the MMU around it.
     */
    boolean implicitAccess;

    PageWalker(Mmu mmu, Cpu cpu) {
        this.mmu = mmu;
        this.cpu = cpu;
    }

    void configure(int mode, boolean wp, boolean nxe, boolean pse, boolean pge, long cr3) {
        this.mode = mode;
        this.wp = wp;
        this.nxe = nxe;
        this.pse = pse;
        this.pge = pge;
        this.cr3 = cr3;
    }

    void configureSupervisorProtection(boolean smep, boolean smap) {
        this.smep = smep;
        this.smap = smap;
    }

    void configureProtectionKeys(boolean pke, boolean pks) {
        this.pke = pke;
        this.pks = pks;
    }

    int mode() {
        return mode;
    }

    /** The physical address of {@code lin} for an access of {@code kind}; faults if not allowed. */
    long translate(long lin, int kind, boolean user) {
        return switch (mode) {
            case OFF -> {
                mmu.install(lin, lin & ~0xFFFL, kind, user, true, 0);
                yield lin;
            }
            case LEGACY -> walkLegacy(lin, kind, user);
            default -> walkPae(lin, kind, user);
        };
    }

    private long walkPae(long lin, int kind, boolean user) {
        if (mode == LONG && (lin << 16 >> 16) != lin) {
            throw cpu.nonCanonical();
        }
        boolean writable = true;
        boolean userOk = true;
        boolean noExec = false;
        int level;
        long table;
        if (mode == LONG) {
            level = 4;
            table = cr3 & ADDR_MASK;
        } else {
            level = 3;
            table = cr3 & 0xFFFF_FFE0L;
        }
        long entryAddr;
        long entry;
        while (true) {
            int shift = 3 + 9 * level;
            long idx = level == 3 && mode == PAE ? (lin >>> 30) & 3 : (lin >>> shift) & 0x1FF;
            entryAddr = table + idx * 8;
            entry = mmu.readPhysical(entryAddr, 8);
            if ((entry & P) == 0) {
                throw pageFault(lin, kind, user, 0);
            }
            long rsvd = RSVD_HIGH | (nxe ? 0 : NX);
            boolean leaf = level == 1 || (level <= 3 && (entry & PS) != 0);
            if (mode == PAE && level == 3) {
                rsvd |= 0x1E6L | NX;
                leaf = false;
            } else if (level == 4) {
                rsvd |= PS;
            } else if (leaf && level == 3) {
                rsvd |= 0x3FFF_E000L;
            } else if (leaf && level == 2) {
                rsvd |= 0x1F_E000L;
            }
            if ((entry & rsvd) != 0) {
                throw pageFault(lin, kind, user, PF_P | PF_RSVD);
            }
            if (!(mode == PAE && level == 3)) {
                writable &= (entry & RW) != 0;
                userOk &= (entry & US) != 0;
                noExec |= nxe && (entry & NX) != 0;
            }
            if (leaf) {
                break;
            }
            if ((entry & A) == 0 && !(mode == PAE && level == 3)) {
                setBits(entryAddr, entry, A, true);
            }
            table = entry & ADDR_MASK;
            level--;
        }
        boolean keyed = mode == LONG && kind != Mmu.EXEC && (userOk ? pke : pks);
        int key = (int) (entry >>> 59) & 0xF;
        boolean cache = checkAccess(lin, kind, user, writable, userOk, noExec,
                keyed && keyRefuses(userOk ? cpu.pkru : cpu.pkrs, key, kind, user));
        if (cache && keyed) {
            mmu.protectionKeyCached(userOk, key);
        }
        long update = A | (kind == Mmu.WRITE ? D : 0);
        if ((entry & update) != update) {
            setBits(entryAddr, entry, update, true);
        }
        long pageMask = (1L << (3 + 9 * level)) - 1;
        long phys = (entry & ADDR_MASK & ~pageMask) | (lin & pageMask);
        if (cache) {
            mmu.install(lin, phys & ~0xFFFL, kind, user, pge && (entry & G) != 0, level > 1 ? pageMask + 1 : 0);
        }
        return phys;
    }

    private long walkLegacy(long lin, int kind, boolean user) {
        long pdeAddr = (cr3 & 0xFFFF_F000L) + ((lin >>> 22) & 0x3FF) * 4;
        long pde = mmu.readPhysical(pdeAddr, 4);
        if ((pde & P) == 0) {
            throw pageFault(lin, kind, user, 0);
        }
        if (pse && (pde & PS) != 0) {
            boolean cache = checkAccess(lin, kind, user, (pde & RW) != 0, (pde & US) != 0, false, false);
            long update = A | (kind == Mmu.WRITE ? D : 0);
            if ((pde & update) != update) {
                setBits(pdeAddr, pde, update, false);
            }
            long phys = (pde & 0xFFC0_0000L) | (lin & 0x3F_FFFFL);
            if (cache) {
                mmu.install(lin, phys & ~0xFFFL, kind, user, pge && (pde & G) != 0, 4L << 20);
            }
            return phys;
        }
        if ((pde & A) == 0) {
            setBits(pdeAddr, pde, A, false);
        }
        long pteAddr = (pde & 0xFFFF_F000L) + ((lin >>> 12) & 0x3FF) * 4;
        long pte = mmu.readPhysical(pteAddr, 4);
        if ((pte & P) == 0) {
            throw pageFault(lin, kind, user, 0);
        }
        boolean cache = checkAccess(lin, kind, user, (pde & pte & RW) != 0, (pde & pte & US) != 0, false, false);
        long update = A | (kind == Mmu.WRITE ? D : 0);
        if ((pte & update) != update) {
            setBits(pteAddr, pte, update, false);
        }
        long phys = (pte & 0xFFFF_F000L) | (lin & 0xFFF);
        if (cache) {
            mmu.install(lin, phys & ~0xFFFL, kind, user, pge && (pte & G) != 0, 0);
        }
        return phys;
    }

    /**
     * Whether the rights of protection key {@code key} in {@code rights} (PKRU or PKRS) refuse a
     * data access: access disable refuses all, write disable refuses writes from user mode, and
     * from supervisor mode under CR0.WP.
     */
    private boolean keyRefuses(int rights, int key, int kind, boolean user) {
        int bits = rights >>> (2 * key);
        return (bits & 1) != 0 || (kind == Mmu.WRITE && (bits & 2) != 0 && (user || wp));
    }

    /**
     * Faults unless the access is allowed; returns whether its translation may be cached. A
     * supervisor data access to a user page under SMAP is allowed only by EFLAGS.AC, which
     * changes without a TLB flush (STAC, CLAC, POPF), so it is never cached: the supervisor sets
     * of the TLB then never hold user pages and every such access comes back here. A refusal by
     * the page's protection key sets the error code's PK bit, whatever else refuses the access.
     */
    private boolean checkAccess(long lin, int kind, boolean user, boolean writable, boolean userOk, boolean noExec,
            boolean keyRefused) {
        boolean ok;
        boolean cache = true;
        if (kind == Mmu.EXEC) {
            ok = !noExec && (user ? userOk : !(smep && userOk));
        } else if (!user && smap && userOk) {
            // Explicit accesses from rings 0-2 with AC set may; implicit ones and ring 3's never.
            ok = !implicitAccess && cpu.cpl() < 3 && cpu.flag(Flags.AC) && (kind != Mmu.WRITE || writable || !wp);
            cache = false;
        } else if (kind == Mmu.WRITE) {
            ok = user ? userOk && writable : writable || !wp;
        } else {
            ok = !user || userOk;
        }
        if (!ok || keyRefused) {
            throw pageFault(lin, kind, user, PF_P | (keyRefused ? PF_PK : 0));
        }
        return cache;
    }

    private CpuFault pageFault(long lin, int kind, boolean user, int code) {
        code |= (kind == Mmu.WRITE ? PF_W : 0) | (user ? PF_U : 0);
        if (kind == Mmu.EXEC && ((nxe && mode >= PAE) || smep)) {
            code |= PF_I;
        }
        return cpu.pageFault(lin, code);
    }

    /** Sets accessed/dirty bits with a compare-and-set, so a concurrent update is not lost. */
    private void setBits(long addr, long seen, long bits, boolean wide) {
        long host = mmu.hostOffset(addr, wide ? 8 : 4);
        if (host < 0) {
            return;
        }
        MemorySegment ram = mmu.ram();
        if (wide) {
            long old = seen;
            while (!LONG_CAS.compareAndSet(ram, host, old, old | bits)) {
                old = (long) LONG_CAS.getVolatile(ram, host);
                if ((old & P) == 0) {
                    return;
                }
            }
        } else {
            int old = (int) seen;
            while (!INT_CAS.compareAndSet(ram, host, old, old | (int) bits)) {
                old = (int) INT_CAS.getVolatile(ram, host);
                if ((old & P) == 0) {
                    return;
                }
            }
        }
        if (mmu.codePages().written(host, wide ? 8 : 4)) {
            cpu.codeWritten();
        }
    }
}
