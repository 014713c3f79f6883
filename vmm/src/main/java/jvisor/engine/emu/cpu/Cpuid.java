package jvisor.engine.emu.cpu;

import java.nio.charset.StandardCharsets;
import jvisor.engine.emu.Tsc;
import jvisor.engine.emu.fpu.XsaveLayout;

/**
 * What CPUID reports: exactly the features the interpreter implements. By default the processor
 * calls itself GenuineIntel because the leaves guests read for the TSC rate (0x15, 0x16) and for
 * topology (0xB) are Intel's, and Linux only trusts them on Intel parts. As AuthenticAMD
 * ({@link Cpu#vendor}) it reports an AMD family 0Fh signature, the vendor again in 0x80000000,
 * AMD's copies of the leaf 1 EDX bits in 0x80000001 with SYSCALL in every mode (Intel sets it in
 * IA-32e mode only), and the core count in 0x80000008 ECX. The FPU, MMX, FXSR, SSE, SSE2, XSAVE
 * (with XSAVEOPT; x87, SSE and PKRU state) and protection keys for user and supervisor pages are
 * implemented; SSE3 and later, AVX, XSAVEC and XSAVES are not, and are not advertised.
 */
public final class Cpuid {
    private Cpuid() { }

    static final int MAX_BASIC = 0x16;
    static final int MAX_EXTENDED = 0x8000_0008;
    /** Family 6, model 0x6A, stepping 6. */
    static final int SIGNATURE = 0x0006_06A6;
    /** Family 0Fh, model 6, stepping 1: what QEMU's Opteron_G1, the model kvm-unit-tests asks for AMD by, reports. */
    static final int AMD_SIGNATURE = 0x0000_0F61;
    private static final String HYPERVISOR = "JvisorEmuCpu";
    private static final String BRAND = "jvisor emulated x86-64 processor";
    /**
     * KVM's paravirtual signature at the second hypervisor base (where QEMU puts it beside another
     * interface): Linux trusts a KVM host to run x2APIC without interrupt remapping, as it never
     * trusts bare metal. Of KVM's features only PV_UNHALT is offered (when the local APIC
     * implements it, {@link KvmParavirtCalls}), and no hints.
     */
    private static final String KVM_SIGNATURE = "KVMKVMKVM\0\0\0";
    static final int KVM_BASE = 0x4000_0100;
    /** KVM_FEATURE_PV_UNHALT in KVM's feature leaf EAX: KVM_HC_KICK_CPU wakes a halted processor. */
    static final int KVM_FEATURE_PV_UNHALT = 1 << 7;

    // leaf 1 EDX
    static final int FPU = 1;
    static final int DE = 1 << 2;
    static final int PSE = 1 << 3;
    static final int TSC = 1 << 4;
    static final int MSR = 1 << 5;
    static final int PAE = 1 << 6;
    static final int CX8 = 1 << 8;
    static final int APIC = 1 << 9;
    static final int SEP = 1 << 11;
    static final int MTRR = 1 << 12;
    static final int PGE = 1 << 13;
    static final int CMOV = 1 << 15;
    static final int PAT = 1 << 16;
    static final int CLFSH = 1 << 19;
    static final int MMX = 1 << 23;
    static final int FXSR = 1 << 24;
    static final int SSE = 1 << 25;
    static final int SSE2 = 1 << 26;
    static final int HTT = 1 << 28;
    /** The leaf 1 EDX bits AMD repeats in 0x80000001 EDX (APIC goes with the APIC's enable bit). */
    static final int LEAF1_EDX_SHARED = FPU | DE | PSE | TSC | MSR | PAE | CX8 | MTRR | PGE | CMOV | PAT | MMX | FXSR;
    // leaf 1 ECX
    static final int CX16 = 1 << 13;
    static final int X2APIC = 1 << 21;
    static final int MOVBE = 1 << 22;
    static final int POPCNT = 1 << 23;
    static final int TSC_DEADLINE = 1 << 24;
    static final int XSAVE = 1 << 26;
    static final int OSXSAVE = 1 << 27;
    static final int HYPERVISOR_BIT = 1 << 31;
    // leaf 7 EBX / EDX
    static final int TSC_ADJUST = 1 << 1;
    static final int BMI1 = 1 << 3;
    static final int SMEP = 1 << 7;
    static final int SMAP = 1 << 20;
    // leaf 7 ECX
    static final int UMIP = 1 << 2;
    static final int PKU = 1 << 3;
    static final int OSPKE = 1 << 4;
    static final int PKS = 1 << 31;
    static final int BMI2 = 1 << 8;
    static final int ERMS = 1 << 9;
    static final int SPEC_CTRL = 1 << 26;
    static final int STIBP = 1 << 27;
    static final int ARCH_CAPABILITIES = 1 << 29;
    // leaf 7 sub-leaf 2 EDX
    static final int BHI_CTRL = 1 << 4;
    // leaf 0xD sub-leaf 1 EAX
    static final int XSAVEOPT = 1;
    // 0x80000001 ECX / EDX
    static final int LAHF_LM = 1;
    static final int ABM = 1 << 5;
    static final int SYSCALL = 1 << 11;
    static final int NX = 1 << 20;
    static final int PDPE1GB = 1 << 26;
    static final int RDTSCP = 1 << 27;
    static final int LM = 1 << 29;

    /** Runs CPUID for EAX = {@code leaf}, ECX = {@code subleaf}; writes EAX, EBX, ECX, EDX. */
    public static void execute(Cpu c, int leaf, int subleaf, int cpuCount) {
        int[] r = c.cpuidOut;
        r[0] = r[1] = r[2] = r[3] = 0;
        if (Integer.compareUnsigned(leaf, MAX_BASIC) > 0 && Integer.compareUnsigned(leaf, 0x4000_0000) < 0) {
            leaf = MAX_BASIC;
        }
        if (Integer.compareUnsigned(leaf, MAX_EXTENDED) > 0) {
            leaf = MAX_BASIC;
        }
        int apicId = c.lapic() == null ? c.index() : c.lapic().apicId();
        boolean amd = c.vendor == jvisor.engine.CpuVendor.AMD;
        switch (leaf) {
            case 0 -> {
                r[0] = MAX_BASIC;
                text(r, c.vendor.id(), 1, 3, 2);
            }
            case 1 -> {
                r[0] = amd ? AMD_SIGNATURE : SIGNATURE;
                r[1] = (8 << 8) | (Math.min(cpuCount, 255) << 16) | (apicId << 24);
                r[2] = CX16 | MOVBE | POPCNT | HYPERVISOR_BIT | (c.tscDeadline ? TSC_DEADLINE : 0) | XSAVE
                        | ((c.cr4 & Cpu.CR4_OSXSAVE) != 0 ? OSXSAVE : 0)
                        | (c.lapic() != null && c.lapic().x2apicSupported() ? X2APIC : 0);
                r[3] = LEAF1_EDX_SHARED | SEP | CLFSH | SSE | SSE2 | (apicOn(c) ? APIC : 0) | (cpuCount > 1 ? HTT : 0);
            }
            case 7 -> {
                if (subleaf == 0) {
                    r[0] = 2; // the last sub-leaf
                    r[1] = TSC_ADJUST | BMI1 | SMEP | BMI2 | ERMS | SMAP;
                    r[2] = UMIP | PKU | ((c.cr4 & Cpu.CR4_PKE) != 0 ? OSPKE : 0) | PKS;
                    r[3] = SPEC_CTRL | STIBP | ARCH_CAPABILITIES;
                } else if (subleaf == 2) {
                    r[3] = BHI_CTRL;
                }
            }
            case 0xB -> topology(r, subleaf, cpuCount, apicId);
            case 0xD -> extendedState(r, subleaf, c.xcr0);
            case 0x15 -> {
                long gcd = gcd(Tsc.HZ, c.crystalHz);
                r[0] = (int) (c.crystalHz / gcd);
                r[1] = (int) (Tsc.HZ / gcd);
                r[2] = (int) c.crystalHz;
            }
            case 0x16 -> {
                r[0] = (int) (Tsc.HZ / 1_000_000);
                r[1] = r[0];
                r[2] = (int) (c.crystalHz / 1_000_000);
            }
            case 0x4000_0000 -> {
                r[0] = 0x4000_0000;
                text(r, HYPERVISOR, 1, 2, 3);
            }
            case KVM_BASE -> {
                r[0] = KVM_BASE + 1;
                text(r, KVM_SIGNATURE, 1, 2, 3);
            }
            case KVM_BASE + 1 -> r[0] = c.lapic() != null && c.lapic().pvUnhaltSupported() ? KVM_FEATURE_PV_UNHALT : 0;
            case 0x8000_0000 -> {
                r[0] = MAX_EXTENDED;
                if (amd) {
                    text(r, c.vendor.id(), 1, 3, 2);
                }
            }
            case 0x8000_0001 -> {
                r[2] = LAHF_LM | ABM;
                r[3] = NX | PDPE1GB | RDTSCP | LM;
                if (amd) {
                    r[0] = AMD_SIGNATURE;
                    r[3] |= SYSCALL | LEAF1_EDX_SHARED | (apicOn(c) ? APIC : 0);
                } else if (c.longModeActive()) {
                    r[3] |= SYSCALL;
                }
            }
            case 0x8000_0002, 0x8000_0003, 0x8000_0004 -> brand(r, leaf - 0x8000_0002);
            case 0x8000_0007 -> r[3] = 1 << 8;
            case 0x8000_0008 -> {
                r[0] = (48 << 8) | PageWalker.MAX_PHYS_BITS;
                if (amd) {
                    int coreBits = 32 - Integer.numberOfLeadingZeros(Math.max(cpuCount, 1) - 1);
                    r[2] = (coreBits << 12) | (Math.min(cpuCount, 256) - 1);
                }
            }
            default -> { }
        }
        c.setReg(Cpu.RAX, r[0] & 0xFFFF_FFFFL);
        c.setReg(Cpu.RBX, r[1] & 0xFFFF_FFFFL);
        c.setReg(Cpu.RCX, r[2] & 0xFFFF_FFFFL);
        c.setReg(Cpu.RDX, r[3] & 0xFFFF_FFFFL);
    }

    private static boolean apicOn(Cpu c) {
        return c.lapic() == null || (c.lapic().apicBaseMsr() & (1L << 11)) != 0;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * Leaf 0xD: the XSAVE components XCR0 may enable and the standard area's size for those
     * enabled and for all; sub-leaf 1 the XSAVE variants (XSAVEOPT only); sub-leaf n >= 2 where
     * component n sits. Supervisor components (IA32_XSS) there are none.
     */
    private static void extendedState(int[] r, int subleaf, long xcr0) {
        switch (subleaf) {
            case 0 -> {
                r[0] = (int) XsaveLayout.SUPPORTED;
                r[1] = XsaveLayout.size(xcr0);
                r[2] = XsaveLayout.size(XsaveLayout.SUPPORTED);
                r[3] = (int) (XsaveLayout.SUPPORTED >>> 32);
            }
            case 1 -> r[0] = XSAVEOPT;
            default -> {
                if (subleaf >= 2 && subleaf < 64 && (XsaveLayout.SUPPORTED & (1L << subleaf)) != 0) {
                    r[0] = XsaveLayout.componentSize(subleaf);
                    r[1] = XsaveLayout.offset(subleaf);
                }
            }
        }
    }

    /** Leaf 0xB: one thread per core, all processors cores of one package. */
    private static void topology(int[] r, int subleaf, int cpuCount, int apicId) {
        int coreBits = 32 - Integer.numberOfLeadingZeros(Math.max(cpuCount, 1) - 1);
        switch (subleaf) {
            case 0 -> {
                r[0] = 0;
                r[1] = 1;
                r[2] = (1 << 8);
            }
            case 1 -> {
                r[0] = coreBits;
                r[1] = cpuCount;
                r[2] = (2 << 8) | 1;
            }
            default -> r[2] = subleaf & 0xFF;
        }
        r[3] = apicId;
    }

    private static void text(int[] r, String s, int a, int b, int c) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        r[a] = word(bytes, 0);
        r[b] = word(bytes, 4);
        r[c] = word(bytes, 8);
    }

    private static final byte[] BRAND_BYTES = java.util.Arrays.copyOf(BRAND.getBytes(StandardCharsets.US_ASCII), 48);

    private static void brand(int[] r, int part) {
        byte[] bytes = BRAND_BYTES;
        for (int i = 0; i < 4; i++) {
            r[i] = word(bytes, part * 16 + i * 4);
        }
    }

    private static int word(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
