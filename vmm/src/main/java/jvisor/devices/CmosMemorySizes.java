package jvisor.devices;

/**
 * The memory sizes a PC BIOS leaves in CMOS, laid out as QEMU's pc machine does: base memory,
 * extended memory above 1 MiB (KiB, capped), memory above 16 MiB and above 4 GiB (64 KiB
 * units), and the number of processors less one.
 */
public record CmosMemorySizes(long belowFourGiB, long aboveFourGiB, int cpus) {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    public CmosMemorySizes {
        if (belowFourGiB < 0 || aboveFourGiB < 0 || cpus < 1 || cpus > 256) {
            throw new IllegalArgumentException(
                    "bad machine for CMOS: " + belowFourGiB + " + " + aboveFourGiB + " bytes, " + cpus + " cpus");
        }
    }

    void storeInto(int[] ram) {
        putLe(ram, 0x15, 2, Math.min(belowFourGiB / KIB, 640));
        long extended = Math.min(Math.max(belowFourGiB - MIB, 0) / KIB, 0xFFFF);
        putLe(ram, 0x17, 2, extended);
        putLe(ram, 0x30, 2, extended);
        putLe(ram, 0x34, 2, Math.min(Math.max(belowFourGiB - 16 * MIB, 0) / (64 * KIB), 0xFFFF));
        putLe(ram, 0x5B, 3, Math.min(aboveFourGiB / (64 * KIB), 0xFF_FFFF));
        ram[0x5F] = cpus - 1;
    }

    private static void putLe(int[] ram, int at, int bytes, long value) {
        for (int i = 0; i < bytes; i++) {
            ram[at + i] = (int) (value >>> (8 * i)) & 0xFF;
        }
    }
}
