package jvisor.engine.emu.exec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.decode.DecodedInsn;
import jvisor.engine.emu.decode.Decoder;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.region.RegionPlan;

/**
 * One processor's decoded code. The first level is a direct-mapped table by RIP, valid while the
 * translation generation and the pages' code epochs are unchanged: one lookup and a few compares
 * per block. Behind it, blocks are found by host offset (after a TLB flush, the same code is
 * usually still there), and only then decoded. A block found there is current if its pages'
 * epochs are, as on the first level; its bytes are compared with memory only once after the VMM
 * may have written RAM behind the epochs ({@link CodePages#untracked}: a loader or a test harness
 * before it loads a processor state). Comparing them on every find cost a Linux boot's module
 * loading 7% of its processor's time: 265,000 finds after the kernel's TLB flushes, each
 * comparing the block and every member of its region.
 */
final class BlockCache {
    /**
     * First-level slots. 4,096 (16 KB) rather than 65,536 (256 KB, a quarter of a core's L2 here,
     * where each cold find missed on its slot): a Linux boot's first-level hits went from 91.1% to
     * 89.4% of 4.4 M finds, and ping round trips in the guest fell by a tenth (README).
     */
    private static final int L1_SIZE = 1 << 12;
    private static final int MAX_INSNS = 64;
    /** Past this many blocks the cache starts over, like a translation cache that filled up. */
    private static final int MAX_BLOCKS = 1 << 18;

    private final Block[] level1 = new Block[L1_SIZE];
    private Block[] byHost = new Block[1 << 12];
    private int blocks;
    private final Decoder decoder;
    private final CodePages pages;
    private final MemorySegment ram;
    private final List<DecodedInsn> scratch = new ArrayList<>();
    /** Blocks whose bytes were compared with memory to find them current ({@link #comparisons}). */
    private long comparisons;

    BlockCache(Decoder decoder, Cpu c) {
        this.decoder = decoder;
        this.pages = c.mmu.codePages();
        this.ram = c.mmu.ram();
    }

    private static int l1Index(long rip) {
        return (int) (rip ^ (rip >>> 12)) & (L1_SIZE - 1);
    }

    /**
     * The block at the processor's CS:RIP; may throw the fetch fault (#PF, #GP). A first-level hit
     * is valid while the page epochs are unchanged and its fetch translation is ({@link #fetchCurrent}).
     */
    Block find(Cpu c) {
        long rip = c.rip();
        boolean mode64 = c.mode64();
        long csBase = mode64 ? 0 : c.seg(Cpu.CS).base();
        int key = c.modeKey();
        int h = l1Index(rip);
        Block b = level1[h];
        if (b != null && b.rip == rip && b.modeKey == key && b.csBase == csBase && b.valid(pages)
                && (mode64 || withinCsLimit(c, b)) && fetchCurrent(c, b, mode64 ? rip : (csBase + rip) & 0xFFFF_FFFFL)) {
            return b;
        }
        b = lookup(c, rip, csBase, key);
        b.gen = c.translationGen;
        b.fetchGen = c.fetchGen;
        level1[h] = b;
        return b;
    }

    /**
     * Whether the block's last byte lies within the CS limit, which the key leaves out: decoded
     * under a larger limit, it must not run past a smaller one (the decoder faults there instead).
     */
    private static boolean withinCsLimit(Cpu c, Block b) {
        return b.rip + b.bytes.length - 1 <= (c.seg(Cpu.CS).limit() & 0xFFFF_FFFFL);
    }

    /**
     * Whether block {@code b}, current but for its fetch translation, is still fetched from where
     * it was decoded: its translation was checked under the current {@link Cpu#fetchGen}, or, if
     * no full TLB flush happened since ({@link Cpu#translationGen}), the fetch TLB still maps its
     * linear page(s) {@code linear} there (so INVLPG drops exactly the blocks it unmaps).
     */
    private static boolean fetchCurrent(Cpu c, Block b, long linear) {
        if (b.fetchGen == c.fetchGen) {
            return true;
        }
        if (b.gen == c.translationGen && c.mmu.cachedFetchPage(linear) == (b.host & ~0xFFFL)
                && (b.page2 < 0 || c.mmu.cachedFetchPage(b.lin2) == (long) b.page2 << 12)) {
            b.fetchGen = c.fetchGen;
            return true;
        }
        return false;
    }

    /**
     * The block at the processor's CS:RIP if it is one that followed {@code from} before and is
     * known to be current without a table lookup: same RIP and mode (both 64-bit, CS base 0), no
     * decoded code overwritten anywhere since it was linked, and its fetch translation unchanged
     * ({@link #fetchCurrent}: after a CR3 load, a link to kernel code holds on). Else null, and
     * {@link #find} answers.
     */
    Block linked(Cpu c, Block from) {
        long rip = c.rip();
        int key = c.modeKey();
        if (holds(c, from.next, from.nextGeneration, rip, key)) {
            return from.next;
        }
        Block b = from.next2;
        if (holds(c, b, from.next2Generation, rip, key)) {
            linkFirst(from, b);
            return b;
        }
        return null;
    }

    /** Whether a link to {@code b} made under code generation {@code generation} leads to the current block at {@code rip}. */
    private boolean holds(Cpu c, Block b, int generation, long rip, int key) {
        return b != null && b.rip == rip && b.modeKey == key && generation == pages.generation()
                && fetchCurrent(c, b, rip);
    }

    /**
     * Records that {@code to}, just returned by {@link #find} (so current now), followed {@code from}.
     * Only blocks of 64-bit code in RAM are linked: their CS base is 0 and their mode key says so.
     */
    void link(Cpu c, Block from, Block to) {
        if (to.host < 0 || !c.mode64() || to.csBase != 0) {
            return;
        }
        linkFirst(from, to);
    }

    /** Makes {@code to} the first of {@code from}'s two links, the old first its second. */
    private void linkFirst(Block from, Block to) {
        from.next2 = from.next;
        from.next2Generation = from.nextGeneration;
        from.next = to;
        from.nextGeneration = pages.generation();
    }

    private Block lookup(Cpu c, long rip, long csBase, int key) {
        long lin = (csBase + rip) & (c.mode64() ? -1L : 0xFFFF_FFFFL);
        long page = c.mmu.cachedFetchPage(lin);
        long host = page >= 0 ? page + (lin & 0xFFF) : c.mmu.hostOffset(c.mmu.fetchPhysical(lin), 1);
        if (host < 0) {
            return decode(c, rip, csBase, key, lin, -1);
        }
        int slot = hostIndex(host);
        int untracked = pages.untracked();
        Block prev = null;
        for (Block b = byHost[slot]; b != null; b = b.chain) {
            if (!b.valid(pages)) {
                unlink(slot, prev, b);
                continue;
            }
            boolean compared = b.compared == untracked;
            if (b.host == host && b.rip == rip && b.csBase == csBase && b.modeKey == key
                    && (c.mode64() || withinCsLimit(c, b)) && sameSecondPage(c, b) && (compared || sameBytes(b))) {
                if (compared || sameMembers(b)) {
                    b.compared = untracked;
                    return b;
                }
                unlink(slot, prev, b);
                continue;
            }
            prev = b;
        }
        Block b = decode(c, rip, csBase, key, lin, host);
        insert(b);
        return b;
    }

    private void insert(Block b) {
        if (blocks >= MAX_BLOCKS) {
            clear();
        }
        int slot = hostIndex(b.host);
        b.chain = byHost[slot];
        byHost[slot] = b;
        blocks++;
        if (blocks > byHost.length * 2) {
            grow();
        }
    }

    /** Blocks in one region at most: a region is one JVM method, which must stay small enough to compile. */
    private static final int REGION_BLOCKS = 32;
    /**
     * Whether regions take in code on other pages and the blocks after their calls
     * (jvisor.emu.chain=true; tests set it directly). Off by default: it cut a system call's
     * region runs by a third, but not the processor thread's time, and a boot's C1 and region
     * compiling nearly doubled (README, "Benchmarks").
     */
    static volatile boolean crossPages = "true".equals(System.getProperty("jvisor.emu.chain"));
    /** Whether regions take in the blocks after their calls (jvisor.emu.chain=returns: without other pages). */
    static volatile boolean returnPoints = crossPages || "returns".equals(System.getProperty("jvisor.emu.chain"));
    /** Guest pages one chained region's blocks may come from: the entry's and those its calls and jumps reach. */
    private static final int REGION_PAGES = 4;

    /**
     * The region entered at {@code entry}: the entry block and, breadth first, the blocks its
     * direct branches, fall-throughs and calls reach on its page, as far as they are decoded (or,
     * with {@code decodeMissing}, decoded here). With {@link #crossPages}, also the blocks after
     * those calls (where a RET in the region may come back to) and blocks on other pages the
     * fetch TLB maps now, at most {@link #REGION_PAGES} pages in all; the region checks such a
     * page's translation and code epoch each time it jumps onto it. A block whose instruction
     * straddles the end of its page (decoded as a block of its own) joins too, with the next page
     * while the fetch TLB maps that page where the instruction was decoded from, and so do the
     * blocks on that page after it: a loop across a page boundary stays in its region rather than
     * leaving it twice an iteration to run the straddling instruction in the interpreter. Null
     * where no region can start (outside 64-bit mode, outside RAM, an entry block that runs into
     * the next page).
     */
    RegionPlan plan(Cpu c, Block entry, boolean decodeMissing) {
        if (!c.mode64() || entry.host < 0 || entry.page2 >= 0) {
            return null;
        }
        List<Block> chosen = new ArrayList<>();
        List<Integer> pageOf = new ArrayList<>();
        List<Integer> secondPageOf = new ArrayList<>();
        List<RegionPlan.CodePage> codePages = new ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        codePages.add(new RegionPlan.CodePage(entry.rip & ~0xFFFL, entry.page, entry.epoch));
        chosen.add(entry);
        pageOf.add(0);
        secondPageOf.add(-1);
        seen.add(entry.rip);
        for (int next = 0; next < chosen.size() && chosen.size() < REGION_BLOCKS; next++) {
            Insn last = chosen.get(next).insns[chosen.get(next).insns.length - 1];
            for (long target : successors(last)) {
                if (chosen.size() >= REGION_BLOCKS || !seen.add(target)) {
                    continue;
                }
                int p = pageFor(c, codePages, target);
                if (p < 0) {
                    continue;
                }
                RegionPlan.CodePage page = codePages.get(p);
                Block b = onPage(c, target, ((long) page.host() << 12) | (target & 0xFFF), decodeMissing);
                if (b == null || b.epoch != page.epoch()) {
                    continue;
                }
                int second = b.page2 < 0 ? -1 : secondPage(c, codePages, b);
                if (b.page2 < 0 || second >= 0) {
                    chosen.add(b);
                    pageOf.add(p);
                    secondPageOf.add(second);
                }
            }
        }
        List<Insn[]> blocks = new ArrayList<>(chosen.size());
        for (Block b : chosen) {
            blocks.add(b.insns);
        }
        entry.members = chosen.toArray(new Block[0]);
        return new RegionPlan(blocks, pageOf, secondPageOf, codePages, pages, ram);
    }

    /**
     * The index in {@code codePages} of the page straddling block {@code b} runs into, added if
     * there is room: -1 unless the fetch TLB maps it now where the block was decoded from, under
     * the same code epoch.
     */
    private int secondPage(Cpu c, List<RegionPlan.CodePage> codePages, Block b) {
        if (pages.epoch(b.page2) != b.epoch2) {
            return -1;
        }
        for (int p = 0; p < codePages.size(); p++) {
            RegionPlan.CodePage page = codePages.get(p);
            if (page.linear() == b.lin2) {
                return page.host() == b.page2 && page.epoch() == b.epoch2 ? p : -1;
            }
        }
        // No walk: planning must not set accessed bits or fault.
        if (codePages.size() >= REGION_PAGES || c.mmu.cachedFetchPage(b.lin2) != (long) b.page2 << 12) {
            return -1;
        }
        codePages.add(new RegionPlan.CodePage(b.lin2, b.page2, b.epoch2));
        return codePages.size() - 1;
    }

    /**
     * The index in {@code codePages} of the page {@code rip} lies on, added if there is room and
     * the fetch TLB maps it to RAM now; else -1.
     */
    private int pageFor(Cpu c, List<RegionPlan.CodePage> codePages, long rip) {
        long linear = rip & ~0xFFFL;
        for (int p = 0; p < codePages.size(); p++) {
            if (codePages.get(p).linear() == linear) {
                return p;
            }
        }
        if (!crossPages || codePages.size() >= REGION_PAGES || (rip << 16 >> 16) != rip) {
            return -1;
        }
        // No walk: planning must not set accessed bits or fault; a page not fetched from lately stays out.
        long host = c.mmu.cachedFetchPage(linear);
        if (host < 0) {
            return -1;
        }
        int page = (int) (host >>> 12);
        codePages.add(new RegionPlan.CodePage(linear, page, pages.epoch(page)));
        return codePages.size() - 1;
    }

    /**
     * Where a block's last instruction may go next without reading a register or memory, and
     * after a CALL where its RET will likely return.
     */
    private static long[] successors(Insn last) {
        int op = last.opcode();
        if ((op >= 0x70 && op <= 0x7F) || (op >= 0x0F80 && op <= 0x0F8F)) {
            return new long[] {last.nextRip(), last.imm2()};
        }
        if (op == 0xE8) {
            return returnPoints ? new long[] {last.imm2(), last.nextRip()} : new long[] {last.imm2()};
        }
        if (op == 0xFF && last.sub() == 2 && returnPoints) {
            return new long[] {last.nextRip()};
        }
        if (op == 0xEB || op == 0xE9) {
            return new long[] {last.imm2()};
        }
        return last.endsBlock() ? new long[0] : new long[] {last.nextRip()};
    }

    /** The valid 64-bit block at {@code rip} decoded from host offset {@code host}, or null. */
    private Block onPage(Cpu c, long rip, long host, boolean decodeMissing) {
        int key = c.modeKey();
        for (Block b = byHost[hostIndex(host)]; b != null; b = b.chain) {
            if (b.host == host && b.rip == rip && b.csBase == 0 && b.modeKey == key && b.valid(pages)
                    && sameBytes(b)) {
                return b;
            }
        }
        if (!decodeMissing) {
            return null;
        }
        long savedCr2 = c.cr2();
        try {
            Block b = decode(c, rip, 0, key, rip, host);
            insert(b);
            return b;
        } catch (CpuFault f) {
            c.setCr2(savedCr2);
            return null;
        }
    }

    private void unlink(int slot, Block prev, Block b) {
        if (prev == null) {
            byHost[slot] = b.chain;
        } else {
            prev.chain = b.chain;
        }
        blocks--;
    }

    private int hostIndex(long host) {
        long h = host * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & (byHost.length - 1);
    }

    private void grow() {
        Block[] old = byHost;
        byHost = new Block[old.length * 2];
        for (Block head : old) {
            for (Block b = head; b != null; ) {
                Block next = b.chain;
                int slot = hostIndex(b.host);
                b.chain = byHost[slot];
                byHost[slot] = b;
                b = next;
            }
        }
    }

    /** Drops every block (the cache filled up, or the processor was reset). */
    void clear() {
        Arrays.fill(byHost, null);
        Arrays.fill(level1, null);
        blocks = 0;
    }

    /** Whether the other blocks of the block's region still hold what they were decoded from. */
    private boolean sameMembers(Block b) {
        Block[] members = b.members;
        if (members != null) {
            for (int k = 1; k < members.length; k++) {
                // Their pages' translations the region checks itself, where it goes onto them.
                if (!sameBytes(members[k])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether a block running into the next page still finds that page where it was decoded from. */
    private static boolean sameSecondPage(Cpu c, Block b) {
        if (b.page2 < 0) {
            return true;
        }
        long host2 = c.mmu.hostOffset(c.mmu.fetchPhysical(b.lin2), 1);
        return host2 >= 0 && (int) (host2 >>> 12) == b.page2;
    }

    /** How often a block's bytes were compared with memory (tests). */
    long comparisons() {
        return comparisons;
    }

    /**
     * Whether the block's bytes are still what memory holds at the host pages it was decoded
     * from. Not whether it is fetched from there now: a region checks each page's translation
     * where it goes onto it, and a region member that runs into the next page must not be walked
     * to for that by a processor taking the region over (the walk could fault, or set accessed
     * bits the guest never asked for).
     */
    boolean sameBytes(Block b) {
        comparisons++;
        int first = (int) Math.min(b.bytes.length, 0x1000 - (b.host & 0xFFF));
        if (MemorySegment.mismatch(ram, b.host, b.host + first, MemorySegment.ofArray(b.bytes), 0, first) >= 0) {
            return false;
        }
        if (first < b.bytes.length) {
            long host2 = (long) b.page2 << 12;
            int rest = b.bytes.length - first;
            return MemorySegment.mismatch(ram, host2, host2 + rest, MemorySegment.ofArray(b.bytes), first,
                    b.bytes.length) < 0;
        }
        return true;
    }

    private Block decode(Cpu c, long rip, long csBase, int key, long lin, long host) {
        scratch.clear();
        long page = lin & ~0xFFFL;
        long cur = rip;
        int length = 0;
        long host2 = -1;
        long lin2 = -1;
        for (int n = 0; n < MAX_INSNS; n++) {
            DecodedInsn i;
            long savedCr2 = c.cr2();
            try {
                i = decoder.decodeOpen(c, cur);
            } catch (CpuFault f) {
                if (n == 0) {
                    throw f;
                }
                c.setCr2(savedCr2);
                break;
            }
            long end = lin + length + i.length;
            if (n > 0 && ((end - 1) & ~0xFFFL) != page) {
                // An instruction straddling the page boundary starts a block of its own: this one
                // then lies on one page, so it may start a compiled region (a block running into
                // the next page cannot), and only the straddling instruction stays interpreted.
                break;
            }
            scratch.add(i);
            length += i.length;
            if (((end - 1) & ~0xFFFL) != page) {
                lin2 = (end - 1) & ~0xFFFL;
                if (host >= 0) {
                    host2 = c.mmu.hostOffset(c.mmu.fetchPhysical(lin2), 1);
                    if (host2 < 0) {
                        host = -1;
                    }
                }
                break;
            }
            if (i.endsBlock || (end & ~0xFFFL) != page || i.nextRip < cur) {
                break;
            }
            cur = i.nextRip;
        }
        byte[] bytes = new byte[length];
        int at = 0;
        for (DecodedInsn i : scratch) {
            System.arraycopy(i.bytes, 0, bytes, at, i.bytes.length);
            at += i.bytes.length;
        }
        if (host >= 0) {
            int first = (int) Math.min(length, 0x1000 - (host & 0xFFF));
            pages.markCode(host, first);
            if (host2 >= 0) {
                pages.markCode(host2 & ~0xFFFL, length - first);
            }
            c.mmu.checkCodeEpoch();
        }
        // The block, its array and its instructions one after the other, as the interpreter reads them.
        Block b = new Block(scratch.size(), rip, csBase, key, host, pages, host2, lin2, bytes);
        Insn[] insns = b.insns;
        for (int k = 0; k < insns.length; k++) {
            insns[k] = scratch.get(k).freeze();
        }
        scratch.clear();
        return b;
    }
}
