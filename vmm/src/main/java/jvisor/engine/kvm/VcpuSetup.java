package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static jvisor.engine.kvm.KvmStructs.MSRS;
import static jvisor.engine.kvm.KvmStructs.MSRS_ENTRIES;
import static jvisor.engine.kvm.KvmStructs.MSR_ENTRY;

/**
 * What firmware leaves in a processor before the OS runs and KVM does not: the boot MSRs and the
 * local APIC's LINT pins. Run once per vCPU when it is created.
 */
final class VcpuSetup {
    private VcpuSetup() { }

    static final int MSR_IA32_MISC_ENABLE = 0x1A0;
    static final long MISC_ENABLE_FAST_STRING = 1L;
    static final int MSR_MTRR_DEF_TYPE = 0x2FF;
    static final long MTRR_DEF_TYPE_ENABLE = 1L << 11;
    static final long MTRR_TYPE_WRITE_BACK = 6;

    /** LVT LINT0 and LINT1 in the xAPIC register page. */
    static final int APIC_LVT_LINT0 = 0x350;
    static final int APIC_LVT_LINT1 = 0x360;
    static final int LVT_DELIVERY_MODE = 0x700;
    static final int LVT_MASKED = 1 << 16;
    static final int DELIVERY_NMI = 0x4;
    static final int DELIVERY_EXTINT = 0x7;

    private static final int EINVAL = 22;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The MSRs and values a BIOS leaves: fast strings on, MTRRs on with write-back as the default type. */
    static final long[][] BOOT_MSRS = {
        {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
        {MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_ENABLE | MTRR_TYPE_WRITE_BACK},
    };

    static void setBootMsrs(KvmFd vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msrs = arena.allocate(MSRS_ENTRIES + BOOT_MSRS.length * MSR_ENTRY.byteSize(), MSRS.byteAlignment());
            KvmStructs.MSRS_NMSRS.set(msrs, 0L, BOOT_MSRS.length);
            for (int i = 0; i < BOOT_MSRS.length; i++) {
                long at = MSRS_ENTRIES + i * MSR_ENTRY.byteSize();
                KvmStructs.MSR_INDEX.set(msrs, at, (int) BOOT_MSRS[i][0]);
                KvmStructs.MSR_DATA.set(msrs, at, BOOT_MSRS[i][1]);
            }
            // KVM_SET_MSRS stops at the first MSR it rejects and returns how many it set.
            int set = vcpu.ioctl(KvmIoctl.KVM_SET_MSRS, msrs);
            if (set != BOOT_MSRS.length) {
                throw new KvmException(String.format("KVM_SET_MSRS of MSR %#x", BOOT_MSRS[set][0]), EINVAL);
            }
        }
    }

    /**
     * Programs LINT0 as ExtINT (the 8259's output) and LINT1 as NMI, as a BIOS does for virtual
     * wire mode, so the PIC reaches the BSP before the OS sets up its APIC. The BSP's pins are
     * unmasked; an AP's stay masked (its INIT resets them anyway).
     */
    static void programLintPins(KvmFd vcpu, boolean bsp) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lapic = arena.allocate(KvmStructs.LAPIC_STATE);
            vcpu.ioctl(KvmIoctl.KVM_GET_LAPIC, lapic);
            lapic.set(U32, APIC_LVT_LINT0, lintValue(lapic.get(U32, APIC_LVT_LINT0), DELIVERY_EXTINT, bsp));
            lapic.set(U32, APIC_LVT_LINT1, lintValue(lapic.get(U32, APIC_LVT_LINT1), DELIVERY_NMI, bsp));
            vcpu.ioctl(KvmIoctl.KVM_SET_LAPIC, lapic);
        }
    }

    /** An LVT entry with {@code mode} as its delivery mode, unmasked on the BSP, mask kept elsewhere. */
    static int lintValue(int current, int mode, boolean bsp) {
        int v = (current & ~LVT_DELIVERY_MODE) | (mode << 8);
        return bsp ? v & ~LVT_MASKED : v;
    }
}
