package jvisor.engine;

import jvisor.boot.BadInputException;

/**
 * Whose processor the guest is told it runs on: CPUID's vendor string. On emu it also picks the
 * behaviour where Intel's and AMD's processors differ (SYSCALL/SYSRET outside 64-bit mode,
 * SYSENTER/SYSEXIT in long mode, which extended CPUID bits are set).
 */
public enum CpuVendor {
    INTEL("GenuineIntel"),
    AMD("AuthenticAMD");

    private final String id;

    CpuVendor(String id) {
        this.id = id;
    }

    /** The twelve characters CPUID leaf 0 returns in EBX, EDX, ECX. */
    public String id() {
        return id;
    }

    /** The vendor named by its CPUID string, as QEMU's {@code -cpu ...,vendor=} takes it. */
    public static CpuVendor parse(String id) {
        for (CpuVendor v : values()) {
            if (v.id.equals(id)) {
                return v;
            }
        }
        throw new BadInputException("vendor '" + id + "' is not one jvisor offers: use GenuineIntel or AuthenticAMD");
    }
}
