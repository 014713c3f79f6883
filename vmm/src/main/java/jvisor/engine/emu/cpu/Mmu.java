package jvisor.engine.emu.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jvisor.engine.GuestIo;
import jvisor.engine.GuestMemory;
import jvisor.engine.emu.LocalInterrupts;

/**
 * Linear-to-physical translation and every guest memory access of one processor. A software TLB
 * maps linear pages to offsets in the shared RAM mapping: six direct-mapped sets (read, write,
 * fetch; supervisor and user), each entry a tag and the value to add to a linear address to get
 * its host offset. A hit is one compare and one access; misses walk the guest's page tables
 * ({@link PageWalker}). Pages that are not RAM (MMIO, the local APIC) are never cached, so their
 * accesses always reach the device.
 *
 * <p>Each privilege level's three sets are one array of tag and host pairs, so that a lookup
 * touches one cache line and needs one array reference, and the tag compare covers the page
 * crossing too: it compares the tag of the entry of {@code lin}'s page with the page of the
 * access's last byte, which is that page only if the access stays in it.
 */
public final class Mmu {
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int EXEC = 2;

    private static final int BITS = 12;
    private static final int SIZE = 1 << BITS;
    private static final int MASK = SIZE - 1;
    /** Where the user sets start in the numbering of all six sets' entries ({@link #slot}). */
    private static final int USER = 3 * SIZE;
    /** Where the write and the fetch set start in a privilege level's array (a tag and a host each). */
    private static final int WRITE_SET = 2 * SIZE;
    private static final int FETCH_SET = 4 * SIZE;
    private static final long PAGE = ~0xFFFL;
    private static final long INVALID = -1L;
    /** Set in a write tag whose page holds decoded code: the fast path misses, the slow path checks. */
    private static final long CODE_FLAG = 1L;

    /**
     * The supervisor's and the user's sets: entry {@code e} of set {@code k} (read, write, fetch)
     * has its tag at {@code 2 * (k * SIZE + e)} and the host delta next to it.
     */
    private final long[] supervisorTlb = new long[6 * SIZE];
    private final long[] userTlb = new long[6 * SIZE];
    private final long[][] bothTlbs = {supervisorTlb, userTlb};
    /** The sets of the current privilege level. */
    private long[] tlb = supervisorTlb;
    /** Whether each of the six sets' entries ({@link #slot}) holds a global translation. */
    private final boolean[] global = new boolean[6 * SIZE];
    /**
     * Where entries without the global bit were installed since the last CR3 load, so that the
     * next one drops just those rather than scanning all six sets (a Linux guest loads CR3 on
     * every context switch). Past its capacity the list gives up ({@link #OVERFLOW}) and the
     * flush scans.
     */
    private final int[] nonGlobal = new int[2048];
    private int nonGlobalCount;
    private static final int OVERFLOW = -1;
    private boolean userMode;
    private int largeEntries;
    /** The largest page size cached so far (a 4 KiB granule of a 2 MiB or 1 GiB page). */
    private long largestPage = 0x1000;
    /**
     * The large pages with granules cached since the last full flush: INVLPG drops the granules
     * of the one its address falls in, if any, and otherwise one 4 KiB page. Without it, once any
     * large page was cached every INVLPG dropped the 2 MiB around its address (3,072 entries) or,
     * with 1 GiB pages cached (Linux's direct map on a large guest), scanned the whole TLB.
     */
    private final LargePageSet largePages = new LargePageSet();
    /**
     * The protection keys (bit k for key k) of user pages, and of supervisor pages, whose data
     * translations may be in the TLB: a change of PKRU or PKRS drops the data sets only when it
     * changes the rights of one of these (Linux keeps every page on key 0 and never changes its
     * rights, so its PKRU writes at each context switch cost nothing).
     */
    private int userKeysCached;
    private int supervisorKeysCached;
    private int writeEpochSeen;
    private int mapEpochSeen;

    private final MemorySegment ram;
    /** The same RAM for the accesses the TLB hits (and those at host offsets it found). */
    private final HostRam hostRam;
    private final GuestMemory memory;
    private final CodePages code;
    private final Cpu cpu;
    final PageWalker walker;
    /** Data breakpoints and debugger watchpoints: their pages never enter the read and write sets. */
    public final DataWatch watch;
    private GuestIo io;
    private LocalInterrupts apic;

    Mmu(Cpu cpu, GuestMemory memory, CodePages code) {
        this.cpu = cpu;
        this.memory = memory;
        this.ram = memory.segment();
        this.hostRam = HostRam.of(ram);
        this.code = code;
        this.walker = new PageWalker(this, cpu);
        this.watch = new DataWatch(cpu);
        Arrays.fill(supervisorTlb, INVALID);
        Arrays.fill(userTlb, INVALID);
    }

    void connect(GuestIo io, LocalInterrupts apic) {
        this.io = io;
        this.apic = apic;
    }

    public MemorySegment ram() {
        return ram;
    }

    /** Entries per set of the TLB, and the mask that takes a linear page number to an entry. */
    public static final int TLB_SET = SIZE;

    /**
     * The current privilege level's sets (it changes only between blocks), for compiled regions'
     * own fast paths, which only read them: a read of {@code size} bytes at linear address
     * {@code lin} hits if {@code tlb[i] == ((lin + size - 1) & ~0xFFF)} with {@code i = ((lin >>>
     * 12) & (TLB_SET - 1)) * 2} (a write: {@code 2 * TLB_SET} further), and then its host offset
     * is {@code tlb[i + 1] + lin}.
     */
    public long[] tlb() {
        return tlb;
    }

    public CodePages codePages() {
        return code;
    }

    void setUserMode(boolean userMode) {
        this.userMode = userMode;
        tlb = userMode ? userTlb : supervisorTlb;
    }

    private static int index(long lin) {
        return (int) (lin >>> 12) & MASK;
    }

    /** Where the tag of {@code lin}'s entry in a privilege level's read set is; the host follows it. */
    private static int at(long lin) {
        return ((int) (lin >>> 12) & MASK) << 1;
    }

    /** What the tag of {@code lin}'s entry must be for an access of {@code size} bytes to hit (see {@link #tlb()}). */
    private static long tagOf(long lin, int size) {
        return (lin + size - 1) & PAGE;
    }

    private long[] tlbOf(boolean userAccess) {
        return userAccess ? userTlb : supervisorTlb;
    }

    // ---- data accesses at the current privilege level -----------------------------------------

    public int read8(long lin) {
        long[] t = tlb;
        int i = at(lin);
        if (t[i] == (lin & PAGE)) {
            return hostRam.get8(t[i + 1] + lin);
        }
        return (int) slowRead(lin, 1, userMode, READ);
    }

    public int read16(long lin) {
        long[] t = tlb;
        int i = at(lin);
        if (t[i] == tagOf(lin, 2)) {
            return hostRam.get16(t[i + 1] + lin);
        }
        return (int) slowRead(lin, 2, userMode, READ);
    }

    public int read32(long lin) {
        long[] t = tlb;
        int i = at(lin);
        if (t[i] == tagOf(lin, 4)) {
            return hostRam.get32(t[i + 1] + lin);
        }
        return (int) slowRead(lin, 4, userMode, READ);
    }

    public long read64(long lin) {
        long[] t = tlb;
        int i = at(lin);
        if (t[i] == tagOf(lin, 8)) {
            return hostRam.get64(t[i + 1] + lin);
        }
        return slowRead(lin, 8, userMode, READ);
    }

    /** A read of 1, 2, 4 or 8 bytes, zero-extended. */
    public long read(long lin, int size) {
        return switch (size) {
            case 1 -> read8(lin);
            case 2 -> read16(lin);
            case 4 -> read32(lin) & 0xFFFF_FFFFL;
            default -> read64(lin);
        };
    }

    /**
     * Writes a byte. Like the other writes, returns whether decoded code was overwritten (the
     * processor's {@link Cpu#codeWritten}), which only the slow path can find: compiled code
     * tests it there and nowhere else.
     */
    public boolean write8(long lin, int v) {
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        if (t[i] == (lin & PAGE)) {
            hostRam.set8(t[i + 1] + lin, v);
            return false;
        }
        return slowWrite(lin, 1, v, userMode);
    }

    public boolean write16(long lin, int v) {
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        if (t[i] == tagOf(lin, 2)) {
            hostRam.set16(t[i + 1] + lin, v);
            return false;
        }
        return slowWrite(lin, 2, v, userMode);
    }

    public boolean write32(long lin, int v) {
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        if (t[i] == tagOf(lin, 4)) {
            hostRam.set32(t[i + 1] + lin, v);
            return false;
        }
        return slowWrite(lin, 4, v, userMode);
    }

    public boolean write64(long lin, long v) {
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        if (t[i] == tagOf(lin, 8)) {
            hostRam.set64(t[i + 1] + lin, v);
            return false;
        }
        return slowWrite(lin, 8, v, userMode);
    }

    public boolean write(long lin, int size, long v) {
        return switch (size) {
            case 1 -> write8(lin, (int) v);
            case 2 -> write16(lin, (int) v);
            case 4 -> write32(lin, (int) v);
            default -> write64(lin, v);
        };
    }

    /**
     * The read half of a read-modify-write: checked for writing (a fault reports a write), so the
     * write that follows cannot fault.
     */
    public long readForWrite(long lin, int size) {
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        if (t[i] == tagOf(lin, size)) {
            return readHost(t[i + 1] + lin, size);
        }
        return readForWriteMissed(lin, size);
    }

    /**
     * A read of {@code size} bytes (zero-extended) that a compiled region's own TLB lookup
     * missed: straight to the slow path, a call C2 leaves out of line rather than inlining a
     * second lookup into the region.
     */
    public long readMissed(long lin, int size) {
        return slowRead(lin, size, userMode, READ);
    }

    /** As {@link #readMissed} for a write; returns whether it overwrote decoded code. */
    public boolean writeMissed(long lin, int size, long v) {
        return slowWrite(lin, size, v, userMode);
    }

    /** As {@link #readMissed} for the read half of a read-modify-write ({@link #readForWrite}). */
    public long readForWriteMissed(long lin, int size) {
        boolean userAccess = userMode;
        long last = lin + size - 1;
        if (((last ^ lin) & PAGE) != 0) {
            walker.translate(last, WRITE, userAccess);
            walker.translate(lin, WRITE, userAccess);
            if (watch.armed) {
                watch.access(lin, size, DataWatch.READ | DataWatch.WRITE);
            }
            return unwatchedRead(lin, size, userAccess, READ);
        }
        long phys = walker.translate(lin, WRITE, userAccess);
        if (watch.armed) {
            watch.access(lin, size, DataWatch.READ | DataWatch.WRITE);
        }
        return readPhysical(phys, size);
    }

    /** Checks that {@code lin} may be read (faulting if not) without reading it. */
    public void probeRead(long lin) {
        if (tlb[at(lin)] != (lin & PAGE)) {
            walker.translate(lin, READ, userMode);
        }
    }

    /**
     * The host offset of {@code [lin, lin+length)} (within one page) checked for reading, or -1
     * if it is not plain RAM. May fault like a read.
     */
    public long hostForRead(long lin, int length) {
        if ((lin & 0xFFF) > 0x1000 - length) {
            return -1;
        }
        long[] t = tlb;
        int i = at(lin);
        if (t[i] == (lin & PAGE)) {
            return t[i + 1] + lin;
        }
        long phys = walker.translate(lin, READ, userMode);
        return isApicPage(phys) ? -1 : memory.cpuReadOffset(phys, length);
    }

    /**
     * The host offset of {@code [lin, lin+size)} checked for writing, for a locked
     * read-modify-write done with compare-and-set; -1 if it is not plain RAM (MMIO) or crosses a
     * page. May fault like a write. A page with decoded code is marked written.
     */
    public long hostForWrite(long lin, int size) {
        if ((lin & 0xFFF) > 0x1000 - size) {
            return -1;
        }
        boolean userAccess = userMode;
        long[] t = tlb;
        int i = at(lin) + WRITE_SET;
        long host;
        if ((t[i] & ~CODE_FLAG) == (lin & PAGE)) {
            host = t[i + 1] + lin;
        } else {
            long phys = walker.translate(lin, WRITE, userAccess);
            host = isApicPage(phys) ? -1 : memory.cpuWriteOffset(phys, size);
            if (watch.armed) {
                watch.access(lin, size, DataWatch.READ | DataWatch.WRITE);
            }
        }
        if (host >= 0 && code.written(host, size)) {
            cpu.codeWritten();
        }
        return host;
    }

    /**
     * Checks that {@code [lin, lin+size)} may be written (faulting if not) without writing:
     * instructions that write several places check them all first, so a fault leaves no trace.
     */
    public void probeWrite(long lin, int size, boolean userAccess) {
        if ((tlbOf(userAccess)[at(lin) + WRITE_SET] & ~CODE_FLAG) == tagOf(lin, size)) {
            return;
        }
        walker.translate(lin, WRITE, userAccess);
        long last = lin + size - 1;
        if (((last ^ lin) & PAGE) != 0) {
            walker.translate(last, WRITE, userAccess);
        }
    }

    // ---- accesses at an explicit privilege (descriptor tables, TSS, IDT: always supervisor) ----

    /**
     * A read of a system structure (descriptor table, IDT, TSS): with {@code userAccess} false an
     * implicit supervisor access, which SMAP refuses on user pages whatever EFLAGS.AC says.
     */
    public long readAs(long lin, int size, boolean userAccess) {
        long[] t = tlbOf(userAccess);
        int i = at(lin);
        if (t[i] == tagOf(lin, size)) {
            return readHost(t[i + 1] + lin, size);
        }
        walker.implicitAccess = !userAccess;
        try {
            return slowRead(lin, size, userAccess, READ);
        } finally {
            walker.implicitAccess = false;
        }
    }

    /** A write of a system structure (a descriptor's accessed or busy bit); implicit as {@link #readAs}. */
    public void writeAs(long lin, int size, long v, boolean userAccess) {
        walker.implicitAccess = !userAccess;
        try {
            writeAt(lin, size, v, userAccess);
        } finally {
            walker.implicitAccess = false;
        }
    }

    /** A write at an explicit privilege that is an ordinary data access (an interrupt frame). */
    public void writeAt(long lin, int size, long v, boolean userAccess) {
        long[] t = tlbOf(userAccess);
        int i = at(lin) + WRITE_SET;
        if (t[i] == tagOf(lin, size)) {
            writeHost(t[i + 1] + lin, size, v);
            return;
        }
        writeSlowly(lin, size, v, userAccess);
    }

    /** An instruction byte at the current privilege. */
    public int fetch8(long lin) {
        long[] t = tlb;
        int i = at(lin) + FETCH_SET;
        if (t[i] == (lin & PAGE)) {
            return hostRam.get8(t[i + 1] + lin);
        }
        return (int) slowRead(lin, 1, userMode, EXEC);
    }

    /**
     * The host offset of the page {@code lin} is in, if the fetch TLB holds its translation at
     * the current privilege; -1 otherwise (never walks). A cached block is valid while this still
     * says where it was decoded from, so a TLB flush invalidates exactly the code it unmaps.
     */
    public long cachedFetchPage(long lin) {
        long[] t = tlb;
        int i = at(lin) + FETCH_SET;
        return t[i] == (lin & PAGE) ? t[i + 1] + (lin & PAGE) : -1;
    }

    /** The physical address of an instruction fetch from {@code lin}, checked and translated. */
    public long fetchPhysical(long lin) {
        return walker.translate(lin, EXEC, userMode);
    }

    private long slowRead(long lin, int size, boolean userAccess, int kind) {
        if (kind != EXEC && watch.armed) {
            // Translated first, so that a page fault wins over the watch; then checked, then read.
            translateAll(lin, size, kind, userAccess);
            watch.access(lin, size, DataWatch.READ);
        }
        return unwatchedRead(lin, size, userAccess, kind);
    }

    private void translateAll(long lin, int size, int kind, boolean userAccess) {
        walker.translate(lin, kind, userAccess);
        long last = lin + size - 1;
        if (((last ^ lin) & PAGE) != 0) {
            walker.translate(last, kind, userAccess);
        }
    }

    private long unwatchedRead(long lin, int size, boolean userAccess, int kind) {
        long last = lin + size - 1;
        if (((last ^ lin) & PAGE) != 0) {
            long p1 = walker.translate(lin, kind, userAccess);
            long p2 = walker.translate(last, kind, userAccess) & ~0xFFFL;
            int first = (int) (0x1000 - (lin & 0xFFF));
            long v = 0;
            for (int b = 0; b < size; b++) {
                long phys = b < first ? p1 + b : p2 + (b - first);
                v |= (readPhysical(phys, 1) & 0xFF) << (8 * b);
            }
            return v;
        }
        return readPhysical(walker.translate(lin, kind, userAccess), size);
    }

    /** A write the TLB did not serve; returns whether it overwrote decoded code ({@link Cpu#codeWritten}). */
    private boolean slowWrite(long lin, int size, long v, boolean userAccess) {
        writeSlowly(lin, size, v, userAccess);
        return cpu.codeWritten;
    }

    private void writeSlowly(long lin, int size, long v, boolean userAccess) {
        if (watch.armed) {
            translateAll(lin, size, WRITE, userAccess);
            watch.access(lin, size, DataWatch.WRITE);
        }
        long last = lin + size - 1;
        if (((last ^ lin) & PAGE) != 0) {
            long p1 = walker.translate(lin, WRITE, userAccess);
            long p2 = walker.translate(last, WRITE, userAccess) & ~0xFFFL;
            int first = (int) (0x1000 - (lin & 0xFFF));
            for (int b = 0; b < size; b++) {
                long phys = b < first ? p1 + b : p2 + (b - first);
                writePhysical(phys, 1, v >>> (8 * b));
            }
            return;
        }
        long[] t = tlbOf(userAccess);
        int i = at(lin) + WRITE_SET;
        if (t[i] == ((lin & PAGE) | CODE_FLAG)) {
            long host = t[i + 1] + lin;
            writeHost(host, size, v);
            if (code.written(host, size)) {
                cpu.codeWritten();
            }
            return;
        }
        writePhysical(walker.translate(lin, WRITE, userAccess), size, v);
    }

    /**
     * Caches a translation the walker just checked, if its page is plain RAM; {@code largeSize}
     * is the size of the large page {@code lin} is a granule of, or 0.
     */
    void install(long lin, long physPage, int kind, boolean userAccess, boolean isGlobal, long largeSize) {
        long host = kind == WRITE ? memory.cpuWriteOffset(physPage, 0x1000) : memory.cpuReadOffset(physPage, 0x1000);
        if (host < 0 || isApicPage(physPage) || (kind != EXEC && watch.armed && watch.touchesPage(lin & PAGE))) {
            return;
        }
        int slot = slot(userAccess, kind, index(lin));
        long tag = lin & PAGE;
        if (kind == WRITE && code.hasCode((int) (host >>> 12))) {
            tag |= CODE_FLAG;
        }
        long[] t = tlbOf(userAccess);
        int i = at(lin) + kind * 2 * SIZE;
        t[i] = tag;
        t[i + 1] = host - (lin & PAGE);
        global[slot] = isGlobal;
        if (!isGlobal && nonGlobalCount != OVERFLOW) {
            if (nonGlobalCount < nonGlobal.length) {
                nonGlobal[nonGlobalCount++] = slot;
            } else {
                nonGlobalCount = OVERFLOW;
            }
        }
        if (largeSize != 0) {
            largeEntries++;
            if (largeSize > largestPage) {
                largestPage = largeSize;
            }
            largePages.add(lin & -largeSize, Long.numberOfTrailingZeros(largeSize));
        }
    }

    /** Notes that a data translation of a page with protection key {@code key} may be cached. */
    void protectionKeyCached(boolean userPage, int key) {
        if (userPage) {
            userKeysCached |= 1 << key;
        } else {
            supervisorKeysCached |= 1 << key;
        }
    }

    /**
     * PKRU ({@code userPages}) or IA32_PKRS changed from {@code old} to {@code now}: the data
     * translations go if any key whose rights changed may have one cached, so that no TLB hit
     * (here or in compiled code, which reads the same sets) skips the new rights.
     */
    void protectionKeyRightsChanged(boolean userPages, int old, int now) {
        int changed = old ^ now;
        int keys = 0;
        for (int k = 0; k < 16; k++) {
            if (((changed >>> (2 * k)) & 3) != 0) {
                keys |= 1 << k;
            }
        }
        if ((keys & (userPages ? userKeysCached : supervisorKeysCached)) != 0) {
            Arrays.fill(supervisorTlb, 0, FETCH_SET, INVALID);
            Arrays.fill(userTlb, 0, FETCH_SET, INVALID);
            userKeysCached = 0;
            supervisorKeysCached = 0;
        }
    }

    // ---- physical accesses -----------------------------------------------------------------

    private boolean isApicPage(long phys) {
        if (apic == null) {
            return false;
        }
        long base = apic.apicBaseMsr();
        return (base & (1L << 11)) != 0 && (phys & PAGE) == (base & 0xF_FFFF_F000L);
    }

    public long readPhysical(long phys, int size) {
        long host = memory.cpuReadOffset(phys, size);
        if (host >= 0 && !isApicPage(phys)) {
            return readHost(host, size);
        }
        if (isApicPage(phys)) {
            return apic.mmioRead((int) (phys & 0xFFF), size);
        }
        return io.mmioRead(phys, size);
    }

    public void writePhysical(long phys, int size, long v) {
        long host = memory.cpuWriteOffset(phys, size);
        if (host >= 0 && !isApicPage(phys)) {
            writeHost(host, size, v);
            if (code.written(host, size)) {
                cpu.codeWritten();
            }
            return;
        }
        if (isApicPage(phys)) {
            apic.mmioWrite((int) (phys & 0xFFF), size, v);
        } else {
            io.mmioWrite(phys, size, v);
            checkMapEpoch();
        }
    }

    long readHost(long host, int size) {
        return switch (size) {
            case 1 -> hostRam.get8(host);
            case 2 -> hostRam.get16(host);
            case 4 -> hostRam.get32(host) & 0xFFFF_FFFFL;
            default -> hostRam.get64(host);
        };
    }

    void writeHost(long host, int size, long v) {
        switch (size) {
            case 1 -> hostRam.set8(host, (int) v);
            case 2 -> hostRam.set16(host, (int) v);
            case 4 -> hostRam.set32(host, (int) v);
            default -> hostRam.set64(host, v);
        }
    }

    /** The host offset of guest-physical {@code phys} if it is plain RAM, else -1. */
    public long hostOffset(long phys, int length) {
        return isApicPage(phys) ? -1 : memory.cpuReadOffset(phys, length);
    }

    /**
     * After a device access that may have changed what RAM or ROM the processors see (the
     * chipset's shadow registers): drop every translation and end the block, so the next
     * instruction is fetched through the new view.
     */
    public void checkMapEpoch() {
        if (memory.cpuMapEpoch() != mapEpochSeen) {
            checkMapEpochBetweenBlocks();
            cpu.codeWritten();
        }
    }

    /** As {@link #checkMapEpoch()} where no block is running (another processor changed the view). */
    public void checkMapEpochBetweenBlocks() {
        int e = memory.cpuMapEpoch();
        if (e != mapEpochSeen) {
            mapEpochSeen = e;
            flushAll();
        }
    }

    // ---- TLB maintenance ----------------------------------------------------------------------

    public void flushAll() {
        Arrays.fill(supervisorTlb, INVALID);
        Arrays.fill(userTlb, INVALID);
        nonGlobalCount = 0;
        largeEntries = 0;
        userKeysCached = 0;
        supervisorKeysCached = 0;
        largestPage = 0x1000;
        cpu.translationGen++;
        cpu.fetchGen++;
    }

    /**
     * A CR3 load: global translations survive when CR4.PGE is set. The translation generation
     * stays: a decoded block on a global page stays valid as its translation does (the kernel's
     * code across every context switch), and one on a dropped page fails its fetch-TLB check.
     */
    public void flushNonGlobal(boolean keepGlobal) {
        if (!keepGlobal) {
            flushAll();
            return;
        }
        if (nonGlobalCount == OVERFLOW) {
            for (int s = 0; s < global.length; s++) {
                if (!global[s]) {
                    drop(s);
                }
            }
        } else {
            // An entry listed here may since hold a global translation: dropping it only costs a walk.
            for (int k = 0; k < nonGlobalCount; k++) {
                drop(nonGlobal[k]);
            }
        }
        nonGlobalCount = 0;
        cpu.fetchGen++;
    }

    /**
     * INVLPG. A large page is cached as 4 KiB granules, so every granule of the large page that
     * contains {@code lin} goes too: of the one the set of cached large pages names, or while
     * that set has overflowed, of any size that may contain it.
     */
    public void flushPage(long lin) {
        cpu.fetchGen++;
        flushRegion(lin, 0x1000);
        if (largeEntries == 0) {
            return;
        }
        if (!largePages.overflowed()) {
            for (int sizes = largePages.shifts(); sizes != 0; sizes &= sizes - 1) {
                long size = 1L << Integer.numberOfTrailingZeros(sizes);
                if (largePages.remove(lin & -size, Integer.numberOfTrailingZeros(sizes))) {
                    dropLargePage(lin & -size, size);
                }
            }
        } else if (largestPage <= (2L << 20)) {
            flushRegion(lin, 2L << 20);
        } else {
            dropLargePage(lin & -largestPage, largestPage);
        }
    }

    /** Drops every cached 4 KiB granule of the {@code size}-aligned region at {@code base}. */
    private void dropLargePage(long base, long size) {
        if (size <= (4L << 20)) {
            flushRegion(base, size);
            return;
        }
        long region = -size;
        for (long[] t : bothTlbs) {
            for (int i = 0; i < t.length; i += 2) {
                if ((t[i] & region) == base) {
                    t[i] = INVALID;
                }
            }
        }
    }

    /**
     * Drops the read and write translations of the 4 KiB linear page {@code page}: a large page
     * is cached as 4 KiB granules, each under its own linear page, so this is exact.
     */
    void forgetDataPage(long page) {
        for (long[] t : bothTlbs) {
            for (int i = at(page); i < FETCH_SET; i += WRITE_SET) {
                if ((t[i] & PAGE) == page) {
                    t[i] = INVALID;
                }
            }
        }
    }

    /** Drops the entries for every 4 KiB page of the {@code size}-aligned region containing {@code lin}. */
    private void flushRegion(long lin, long size) {
        long base = lin & ~(size - 1);
        for (long page = base; page < base + size; page += 0x1000) {
            for (int i = at(page); i < 6 * SIZE; i += WRITE_SET) {
                if ((supervisorTlb[i] & PAGE) == page) {
                    supervisorTlb[i] = INVALID;
                }
                if ((userTlb[i] & PAGE) == page) {
                    userTlb[i] = INVALID;
                }
            }
        }
    }

    /**
     * The number of an entry among all six sets, as {@link #global} and the list of non-global
     * entries know it: the user sets after the supervisor's, each privilege's in the order read,
     * write, fetch.
     */
    private static int slot(boolean userAccess, int kind, int index) {
        return (userAccess ? USER : 0) + kind * SIZE + index;
    }

    /** Drops the entry numbered {@code slot} ({@link #slot}). */
    private void drop(int slot) {
        long[] t = slot >= USER ? userTlb : supervisorTlb;
        t[2 * (slot % USER)] = INVALID;
    }

    /** Drops write translations when a page has newly become code (here or on another processor). */
    public void checkCodeEpoch() {
        int e = code.writeEpoch();
        if (e != writeEpochSeen) {
            writeEpochSeen = e;
            Arrays.fill(supervisorTlb, WRITE_SET, FETCH_SET, INVALID);
            Arrays.fill(userTlb, WRITE_SET, FETCH_SET, INVALID);
        }
    }
}
