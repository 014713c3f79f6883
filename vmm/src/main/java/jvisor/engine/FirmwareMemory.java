package jvisor.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a PC's chipset puts in front of RAM when the machine boots through its firmware: the BIOS
 * ROM at the top of 4 GiB, its last 128 KiB aliased at 0xE0000, the VGA window 0xA0000-0xBFFFF
 * where a device (not RAM) answers, and the i440FX's programmable attribute map (PAM) that decides
 * for each piece of 0xC0000-0xFFFFF whether the processor reads RAM or the ROM and whether its
 * writes reach RAM. Only processors see this view; devices' DMA always reaches RAM, as on the bus
 * behind the memory controller here.
 *
 * <p>The ROM bytes live in the guest memory's host mapping right after RAM, so an engine maps or
 * caches them like RAM (read-only). Each page of the legacy window has a read and a write host
 * offset (or {@link #NONE}: the access goes to the MMIO bus).
 */
public final class FirmwareMemory {
    public static final long NONE = -1;
    public static final long WINDOW_BASE = 0xA0000;
    public static final long WINDOW_END = 0x10_0000;
    /** The part the PAM registers govern; below it is the VGA window. */
    public static final long SHADOW_BASE = 0xC0000;
    /** The ROM's last 128 KiB appear here while shadowing is off. */
    public static final long ROM_ALIAS_BASE = 0xE0000;
    public static final long FOUR_GIB = 1L << 32;
    private static final int PAGES = (int) ((WINDOW_END - WINDOW_BASE) >>> 12);

    private final long romHost;
    private final long romSize;
    private final long romBase;
    private final long[] readHost = new long[PAGES];
    private final long[] writeHost = new long[PAGES];
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile int epoch;

    /** A ROM of {@code romSize} bytes stored at host offset {@code romHost}, ending at 4 GiB. */
    FirmwareMemory(long romHost, long romSize) {
        if (romSize < 0x2_0000 || romSize > 16L << 20 || (romSize & 0xFFF) != 0) {
            throw new IllegalArgumentException("a BIOS ROM is 128 KiB to 16 MiB in whole pages, not " + romSize);
        }
        this.romHost = romHost;
        this.romSize = romSize;
        this.romBase = FOUR_GIB - romSize;
        java.util.Arrays.fill(readHost, NONE);
        java.util.Arrays.fill(writeHost, NONE);
        reset();
    }

    /** The power-on state: shadowing off, so 0xE0000-0xFFFFF reads the ROM and 0xC0000-0xDFFFF nothing. */
    public synchronized void reset() {
        for (long a = SHADOW_BASE; a < WINDOW_END; a += 0x1000) {
            int page = page(a);
            readHost[page] = a >= ROM_ALIAS_BASE ? romHost + romSize - (WINDOW_END - a) : NONE;
            writeHost[page] = NONE;
        }
        changed();
    }

    /**
     * One PAM field: for {@code [base, base + size)} reads come from RAM when {@code readRam},
     * else from the ROM alias (or nothing below it); writes reach RAM when {@code writeRam}, else
     * they are dropped.
     */
    public synchronized void setShadow(long base, long size, boolean readRam, boolean writeRam) {
        if (base < SHADOW_BASE || base + size > WINDOW_END || ((base | size) & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("not a PAM range: %#x+%#x", base, size));
        }
        boolean differs = false;
        for (long a = base; a < base + size; a += 0x1000) {
            int page = page(a);
            long read = readRam ? a : a >= ROM_ALIAS_BASE ? romHost + romSize - (WINDOW_END - a) : NONE;
            long write = writeRam ? a : NONE;
            differs |= read != readHost[page] || write != writeHost[page];
            readHost[page] = read;
            writeHost[page] = write;
        }
        if (differs) {
            changed();
        }
    }

    private void changed() {
        epoch++;
        for (Runnable r : listeners) {
            r.run();
        }
    }

    /** Bumped whenever the view changes: processors drop cached translations when they see a new value. */
    public int epoch() {
        return epoch;
    }

    /** Hears of every change of the view (an engine re-maps its memory slots). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    public long romBase() {
        return romBase;
    }

    public long romSize() {
        return romSize;
    }

    /** Whether {@code [gpa, gpa+length)} touches the legacy window or the ROM, where this view decides. */
    boolean covers(long gpa, long length) {
        return (gpa < WINDOW_END && gpa + length > WINDOW_BASE) || (gpa + length > romBase && gpa < FOUR_GIB);
    }

    /** Host offset for a processor's read of {@code [gpa, gpa+length)} in the window or the ROM; NONE if not memory. */
    long read(long gpa, long length) {
        if (gpa >= romBase && gpa + length <= FOUR_GIB) {
            // The ROM is read-only whatever the width; an access straddling its start is not memory.
            return romHost + (gpa - romBase);
        }
        return window(readHost, gpa, length);
    }

    long write(long gpa, long length) {
        return window(writeHost, gpa, length);
    }

    /** Only accesses inside one page of the window are memory; the rest go to the MMIO bus. */
    private static long window(long[] table, long gpa, long length) {
        if (gpa < WINDOW_BASE || gpa + length > WINDOW_END || ((gpa ^ (gpa + length - 1)) & ~0xFFFL) != 0) {
            return NONE;
        }
        long host = table[page(gpa)];
        return host == NONE ? NONE : host + (gpa & 0xFFF);
    }

    private static int page(long gpa) {
        return (int) ((gpa - WINDOW_BASE) >>> 12);
    }

    /**
     * The processors' view as regions for an engine's memory slots: RAM below the window and
     * above 1 MiB, the window's pages grouped into runs, the ROM. Pages that read the ROM alias
     * or are write-protected are read-only (their writes become MMIO exits, which drop them).
     */
    synchronized List<GuestMemory.Region> regions(List<GuestMemory.Region> ram) {
        List<GuestMemory.Region> out = new ArrayList<>();
        for (GuestMemory.Region r : ram) {
            if (r.guestPhysical() < WINDOW_END && r.end() > WINDOW_BASE) {
                if (r.guestPhysical() < WINDOW_BASE) {
                    out.add(new GuestMemory.Region(r.guestPhysical(), r.hostOffset(), WINDOW_BASE - r.guestPhysical(), false));
                }
                windowRegions(out);
                if (r.end() > WINDOW_END) {
                    out.add(new GuestMemory.Region(WINDOW_END, r.hostOffset() + WINDOW_END - r.guestPhysical(),
                            r.end() - WINDOW_END, false));
                }
            } else {
                out.add(r);
            }
        }
        out.add(new GuestMemory.Region(romBase, romHost, romSize, true));
        return out;
    }

    private void windowRegions(List<GuestMemory.Region> out) {
        int start = -1;
        for (int p = 0; p <= PAGES; p++) {
            boolean continues = start >= 0 && p < PAGES && readHost[p] != NONE
                    && readHost[p] == readHost[p - 1] + 0x1000 && writable(p) == writable(start);
            if (start >= 0 && !continues) {
                out.add(new GuestMemory.Region(WINDOW_BASE + ((long) start << 12), readHost[start],
                        (long) (p - start) << 12, !writable(start)));
                start = -1;
            }
            if (start < 0 && p < PAGES && readHost[p] != NONE) {
                start = p;
            }
        }
    }

    /** A slot is writable only if reads and writes reach the same RAM. */
    private boolean writable(int page) {
        return writeHost[page] != NONE && writeHost[page] == readHost[page];
    }
}
