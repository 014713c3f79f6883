package jvisor.engine.emu.cpu;

import jvisor.engine.emu.EmuLog;

/**
 * The model-specific registers the processor implements (RDMSR/WRMSR): what CPUID advertises and
 * nothing else. An MSR that is not here raises #GP(0), as on a processor without it.
 */
public final class Msrs {
    public static final int TSC = 0x10;
    public static final int PLATFORM_ID = 0x17;
    public static final int APIC_BASE = 0x1B;
    public static final int FEATURE_CONTROL = 0x3A;
    public static final int TSC_ADJUST = 0x3B;
    public static final int SPEC_CTRL = 0x48;
    public static final int PRED_CMD = 0x49;
    public static final int BIOS_SIGN_ID = 0x8B;
    public static final int MTRR_CAP = 0xFE;
    public static final int ARCH_CAPABILITIES = 0x10A;
    public static final int SYSENTER_CS = 0x174;
    public static final int MCG_CAP = 0x179;
    public static final int MCG_STATUS = 0x17A;
    public static final int SYSENTER_ESP = 0x175;
    public static final int SYSENTER_EIP = 0x176;
    public static final int MISC_ENABLE = 0x1A0;
    public static final int MTRR_PHYS_FIRST = 0x200;
    public static final int MTRR_PHYS_LAST = 0x20F;
    public static final int MTRR_FIX_64K = 0x250;
    public static final int MTRR_FIX_16K_80000 = 0x258;
    public static final int MTRR_FIX_16K_A0000 = 0x259;
    public static final int MTRR_FIX_4K_FIRST = 0x268;
    public static final int MTRR_FIX_4K_LAST = 0x26F;
    public static final int PAT = 0x277;
    public static final int MTRR_DEF_TYPE = 0x2FF;
    public static final int TSC_DEADLINE = 0x6E0;
    public static final int PKRS = 0x6E1;
    /** The x2APIC's registers: MSR 0x800 + (xAPIC offset >> 4). */
    public static final int X2APIC_FIRST = 0x800;
    public static final int X2APIC_LAST = 0x8FF;
    public static final int EFER = 0xC000_0080;
    public static final int STAR = 0xC000_0081;
    public static final int LSTAR = 0xC000_0082;
    public static final int CSTAR = 0xC000_0083;
    public static final int SFMASK = 0xC000_0084;
    public static final int FS_BASE = 0xC000_0100;
    public static final int GS_BASE = 0xC000_0101;
    public static final int KERNEL_GS_BASE = 0xC000_0102;
    public static final int TSC_AUX = 0xC000_0103;
    /** AMD's four legacy performance event selects (0xC0010000-3) and counters (0xC0010004-7). */
    public static final int K7_EVNTSEL0 = 0xC001_0000;
    public static final int K7_PERFCTR3 = 0xC001_0007;

    /** Variable MTRRs advertised in MTRRcap, with fixed ranges and write-combining. */
    static final int MTRR_VARIABLE = 8;
    static final long MTRR_CAP_VALUE = MTRR_VARIABLE | (1 << 8) | (1 << 10);
    static final long PAT_DEFAULT = 0x0007_0406_0007_0406L;
    /** Fast strings enabled; branch-trace and PEBS unavailable. */
    static final long MISC_ENABLE_DEFAULT = 1 | (1 << 11) | (1 << 12);
    /**
     * An interpreter does not speculate, so it has none of the transient-execution flaws a guest
     * kernel would otherwise pay to mitigate on every return, indirect call and exit to user mode:
     * RDCL_NO, IBRS_ALL (enhanced IBRS: no retpolines), SKIP_L1DFL_VMENTRY, SSB_NO, MDS_NO,
     * PSCHANGE_MC_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO, PSDP_NO, BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO
     * and ITS_NO.
     */
    static final long ARCH_CAPABILITIES_VALUE = 1 | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8)
            | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 20) | (1 << 24) | (1 << 26) | (1 << 27) | (1L << 62);
    /** IA32_SPEC_CTRL bits that exist (IBRS, STIBP and BHI_DIS_S, as CPUID leaf 7 advertises); they change nothing here. */
    static final long SPEC_CTRL_BITS = 0b11 | 1 << 10;
    static final long PRED_CMD_IBPB = 1;
    /** IA32_APIC_BASE's reserved bits: 7:0, 9 and those above the physical address width. */
    static final long APIC_BASE_RESERVED = 0x2FF | (-1L << PageWalker.MAX_PHYS_BITS);

    private final Cpu cpu;
    long star;
    long lstar;
    long cstar;
    long sfmask;
    long kernelGsBase;
    long sysenterCs;
    long sysenterEsp;
    long sysenterEip;
    long tscAux;
    long specCtrl;
    long pat = PAT_DEFAULT;
    long miscEnable = MISC_ENABLE_DEFAULT;
    long mtrrDefType;
    final long[] mtrrVariable = new long[2 * MTRR_VARIABLE];
    final long[] mtrrFixed = new long[11];

    Msrs(Cpu cpu) {
        this.cpu = cpu;
    }

    /** RDMSR: the value, or #GP(0) for an MSR this processor does not have. */
    public long read(int msr) {
        return switch (msr) {
            case TSC -> cpu.tsc.now();
            case PLATFORM_ID, BIOS_SIGN_ID -> 0;
            case APIC_BASE -> cpu.lapic().apicBaseMsr();
            case FEATURE_CONTROL -> 1;
            case TSC_ADJUST -> cpu.tsc.adjust();
            case SPEC_CTRL -> specCtrl;
            case MTRR_CAP -> MTRR_CAP_VALUE;
            case ARCH_CAPABILITIES -> ARCH_CAPABILITIES_VALUE;
            // Machine-check architecture with no banks: software may read the capabilities
            // (kvm-unit-tests does, as QEMU offers them) and finds nothing to report.
            case MCG_CAP, MCG_STATUS -> 0;
            case SYSENTER_CS -> sysenterCs;
            case SYSENTER_ESP -> sysenterEsp;
            case SYSENTER_EIP -> sysenterEip;
            case MISC_ENABLE -> miscEnable;
            case PAT -> pat;
            case MTRR_DEF_TYPE -> mtrrDefType;
            case TSC_DEADLINE -> cpu.lapic().tscDeadlineMsr();
            case PKRS -> cpu.pkrs & 0xFFFF_FFFFL;
            case EFER -> cpu.efer;
            case STAR -> star;
            case LSTAR -> lstar;
            case CSTAR -> cstar;
            case SFMASK -> sfmask;
            case FS_BASE -> cpu.seg(Cpu.FS).base();
            case GS_BASE -> cpu.seg(Cpu.GS).base();
            case KERNEL_GS_BASE -> kernelGsBase;
            case TSC_AUX -> tscAux;
            default -> {
                if (msr >= MTRR_PHYS_FIRST && msr <= MTRR_PHYS_LAST) {
                    yield mtrrVariable[msr - MTRR_PHYS_FIRST];
                }
                int fixed = fixedMtrrIndex(msr);
                if (fixed >= 0) {
                    yield mtrrFixed[fixed];
                }
                if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST) {
                    if (!cpu.lapic().x2apicReadable(msr)) {
                        throw cpu.fault(Vectors.GP, 0);
                    }
                    yield cpu.lapic().x2apicRead(msr);
                }
                if (isAmdPerformanceMsr(msr)) {
                    yield 0;
                }
                throw unknown(msr, "RDMSR");
            }
        };
    }

    /** WRMSR: stores the value, or #GP(0) for an unknown MSR or a value it does not accept. */
    public void write(int msr, long v) {
        switch (msr) {
            case TSC -> cpu.tsc.set(v);
            case TSC_ADJUST -> cpu.tsc.setAdjust(v);
            case SPEC_CTRL -> specCtrl = reserved(v, SPEC_CTRL_BITS);
            case PRED_CMD -> reserved(v, PRED_CMD_IBPB);
            case BIOS_SIGN_ID, PLATFORM_ID -> { }
            case APIC_BASE -> {
                if ((v & APIC_BASE_RESERVED) != 0 || !cpu.lapic().writeApicBaseMsr(v)) {
                    throw cpu.fault(Vectors.GP, 0);
                }
                cpu.mmu.flushAll();
            }
            case MCG_STATUS -> reserved(v, 0); // no machine check is ever in progress
            case SYSENTER_CS -> sysenterCs = v & 0xFFFF_FFFFL;
            case SYSENTER_ESP -> sysenterEsp = canonical(v);
            case SYSENTER_EIP -> sysenterEip = canonical(v);
            case MISC_ENABLE -> miscEnable = v;
            case PAT -> pat = checkedPat(v);
            case MTRR_DEF_TYPE -> mtrrDefType = v & 0xCFF;
            case TSC_DEADLINE -> cpu.lapic().setTscDeadlineMsr(v);
            case PKRS -> SystemOps.writePkrs(cpu, (int) reserved(v, 0xFFFF_FFFFL));
            case EFER -> SystemOps.writeEfer(cpu, v);
            case STAR -> star = v;
            case LSTAR -> lstar = canonical(v);
            case CSTAR -> cstar = canonical(v);
            case SFMASK -> sfmask = v & 0xFFFF_FFFFL;
            case FS_BASE -> setBase(Cpu.FS, canonical(v));
            case GS_BASE -> setBase(Cpu.GS, canonical(v));
            case KERNEL_GS_BASE -> kernelGsBase = canonical(v);
            case TSC_AUX -> tscAux = v & 0xFFFF_FFFFL;
            default -> {
                if (msr >= MTRR_PHYS_FIRST && msr <= MTRR_PHYS_LAST) {
                    mtrrVariable[msr - MTRR_PHYS_FIRST] = v;
                    return;
                }
                int fixed = fixedMtrrIndex(msr);
                if (fixed >= 0) {
                    mtrrFixed[fixed] = v;
                    return;
                }
                if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST) {
                    if (!cpu.lapic().x2apicWrite(msr, v)) {
                        throw cpu.fault(Vectors.GP, 0);
                    }
                    return;
                }
                if (isAmdPerformanceMsr(msr)) {
                    return;
                }
                throw unknown(msr, "WRMSR");
            }
        }
    }

    /**
     * Every AMD64 processor has the legacy performance counters, with no CPUID bit to say so, and
     * software such as kvm-unit-tests clears them at start. Here they exist but count nothing:
     * reads give 0 and writes are dropped, as KVM does for them without a virtual PMU.
     */
    private boolean isAmdPerformanceMsr(int msr) {
        return cpu.vendor == jvisor.engine.CpuVendor.AMD
                && Integer.compareUnsigned(msr, K7_EVNTSEL0) >= 0 && Integer.compareUnsigned(msr, K7_PERFCTR3) <= 0;
    }

    public long star() {
        return star;
    }

    public long lstar() {
        return lstar;
    }

    public long cstar() {
        return cstar;
    }

    public long sfmask() {
        return sfmask;
    }

    public long kernelGsBase() {
        return kernelGsBase;
    }

    public void setKernelGsBase(long v) {
        kernelGsBase = v;
    }

    public long tscAux() {
        return tscAux;
    }

    private void setBase(int sreg, long base) {
        cpu.seg(sreg).setBase(base);
        cpu.updateMode();
    }

    /** {@code v}, or #GP(0) if it sets a bit outside {@code defined}. */
    private long reserved(long v, long defined) {
        if ((v & ~defined) != 0) {
            throw cpu.fault(Vectors.GP, 0);
        }
        return v;
    }

    private long canonical(long v) {
        if ((v << 16 >> 16) != v) {
            throw cpu.fault(Vectors.GP, 0);
        }
        return v;
    }

    private long checkedPat(long v) {
        for (int i = 0; i < 8; i++) {
            int type = (int) (v >>> (8 * i)) & 0xFF;
            if (type == 2 || type == 3 || type > 7) {
                throw cpu.fault(Vectors.GP, 0);
            }
        }
        return v;
    }

    private static int fixedMtrrIndex(int msr) {
        if (msr == MTRR_FIX_64K) {
            return 0;
        }
        if (msr == MTRR_FIX_16K_80000 || msr == MTRR_FIX_16K_A0000) {
            return 1 + msr - MTRR_FIX_16K_80000;
        }
        if (msr >= MTRR_FIX_4K_FIRST && msr <= MTRR_FIX_4K_LAST) {
            return 3 + msr - MTRR_FIX_4K_FIRST;
        }
        return -1;
    }

    private CpuFault unknown(int msr, String what) {
        EmuLog.probe("msr" + what + msr, what + " of MSR " + Integer.toHexString(msr)
                + " which this processor does not have: #GP");
        return cpu.fault(Vectors.GP, 0);
    }
}
