package jvisor.engine.emu.fpu;

/**
 * The x87 environment images of FNSTENV/FLDENV (14 or 28 bytes) and FNSAVE/FRSTOR (the
 * environment plus ST0-ST7, 94 or 108 bytes), in the 16- and 32-bit layouts of protected mode
 * and of real-address mode, where the pointers are stored as linear addresses split around the
 * opcode. Unused halves of the 32-bit layout read as ones, as on hardware.
 */
public final class X87Environment {
    private X87Environment() { }

    /** Environment size in bytes for a 16- or 32-bit layout. */
    public static int size(boolean wide) {
        return wide ? 28 : 14;
    }

    /** FNSAVE/FRSTOR image size. */
    public static int saveSize(boolean wide) {
        return size(wide) + 80;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void put32(byte[] b, int at, long v) {
        put16(b, at, (int) v);
        put16(b, at + 2, (int) (v >>> 16));
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int at) {
        return u16(b, at) | (long) u16(b, at + 2) << 16;
    }

    /** Writes the environment into {@code b}. In real mode the pointers are linear (selector * 16 + offset). */
    public static void store(FpuState f, byte[] b, boolean wide, boolean realMode) {
        long ip = realMode ? (f.lastIp + ((long) f.lastCs << 4)) & 0xF_FFFF_FFFFL : f.lastIp;
        long dp = realMode ? (f.lastDp + ((long) f.lastDs << 4)) & 0xF_FFFF_FFFFL : f.lastDp;
        int unit = wide ? 4 : 2;
        int pad = wide ? 0xFFFF_0000 : 0;
        put32(b, 0, f.control | pad);
        put32(b, unit, f.statusWord() | pad);
        put32(b, 2 * unit, f.tagWord() | pad);
        if (wide && !realMode) {
            put32(b, 12, ip);
            put32(b, 16, (f.lastCs & 0xFFFF) | (long) (f.lastOpcode & 0x7FF) << 16);
            put32(b, 20, dp);
            put32(b, 24, (f.lastDs & 0xFFFF) | 0xFFFF_0000L);
        } else if (wide) {
            put32(b, 12, (ip & 0xFFFF) | 0xFFFF_0000L);
            put32(b, 16, (f.lastOpcode & 0x7FF) | ((ip >>> 16) & 0xFFFF) << 12);
            put32(b, 20, (dp & 0xFFFF) | 0xFFFF_0000L);
            put32(b, 24, ((dp >>> 16) & 0xFFFF) << 12);
        } else if (!realMode) {
            put16(b, 6, (int) ip);
            put16(b, 8, f.lastCs);
            put16(b, 10, (int) dp);
            put16(b, 12, f.lastDs);
        } else {
            put16(b, 6, (int) ip);
            put16(b, 8, (f.lastOpcode & 0x7FF) | (int) ((ip >>> 16) & 0xF) << 12);
            put16(b, 10, (int) dp);
            put16(b, 12, (int) ((dp >>> 16) & 0xF) << 12);
        }
    }

    /** Loads the environment from {@code b}. */
    public static void load(FpuState f, byte[] b, boolean wide, boolean realMode) {
        int unit = wide ? 4 : 2;
        f.loadControlAndStatus(u16(b, 0), u16(b, unit));
        f.setTagWord(u16(b, 2 * unit));
        if (wide && !realMode) {
            f.lastIp = u32(b, 12);
            f.lastCs = u16(b, 16);
            f.lastOpcode = u16(b, 18) & 0x7FF;
            f.lastDp = u32(b, 20);
            f.lastDs = u16(b, 24);
        } else if (wide) {
            f.lastIp = u16(b, 12) | (u32(b, 16) >>> 12 & 0xFFFF) << 16;
            f.lastOpcode = u16(b, 16) & 0x7FF;
            f.lastDp = u16(b, 20) | (u32(b, 24) >>> 12 & 0xFFFF) << 16;
            f.lastCs = 0;
            f.lastDs = 0;
        } else if (!realMode) {
            f.lastIp = u16(b, 6);
            f.lastCs = u16(b, 8);
            f.lastDp = u16(b, 10);
            f.lastDs = u16(b, 12);
        } else {
            f.lastIp = u16(b, 6) | (long) (u16(b, 8) >>> 12) << 16;
            f.lastOpcode = u16(b, 8) & 0x7FF;
            f.lastDp = u16(b, 10) | (long) (u16(b, 12) >>> 12) << 16;
            f.lastCs = 0;
            f.lastDs = 0;
        }
    }

    /** FNSAVE: the environment, then ST0-ST7 as ten bytes each. */
    public static void save(FpuState f, byte[] b, boolean wide, boolean realMode) {
        store(f, b, wide, realMode);
        int at = size(wide);
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            long sig = f.sig[p];
            for (int k = 0; k < 8; k++) {
                b[at + 10 * i + k] = (byte) (sig >>> (8 * k));
            }
            put16(b, at + 10 * i + 8, f.sexp[p]);
        }
    }

    /** FRSTOR: the environment, then the registers in stack order. */
    public static void restore(FpuState f, byte[] b, boolean wide, boolean realMode) {
        load(f, b, wide, realMode);
        int at = size(wide);
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            long sig = 0;
            for (int k = 7; k >= 0; k--) {
                sig = (sig << 8) | (b[at + 10 * i + k] & 0xFF);
            }
            f.sig[p] = sig;
            f.sexp[p] = u16(b, at + 10 * i + 8);
        }
    }
}
