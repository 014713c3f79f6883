package jvisor.engine.kvm;

import java.util.ArrayList;
import java.util.List;

/**
 * What one vCPU's CPUID says about itself and its package, derived from the host's supported
 * table (KVM_GET_SUPPORTED_CPUID, which reports no topology of its own). jvisor presents {@code cpus}
 * processors as one package of {@code cpus} cores with one thread each; processor {@code n}'s
 * APIC ID is {@code n}, the ID KVM gives the local APIC of vCPU {@code n}. Every leaf that states
 * a part of that picture is made to agree: leaf 1 (APIC ID, addressable IDs, HTT, the hypervisor
 * bit), leaf 4 (cores per package, sharing of each cache), leaves 0xB and 0x1F (x2APIC topology),
 * and AMD's 0x80000008 (core count) and 0x8000001E (extended APIC ID).
 */
final class CpuidTopology {
    private CpuidTopology() { }

    static final int HYPERVISOR = 1 << 31;
    static final int HTT = 1 << 28;
    private static final int LEVEL_SMT = 1;
    private static final int LEVEL_CORE = 2;

    /** The bits an APIC ID needs for {@code cpus} cores: ceil(log2(cpus)). */
    static int coreBits(int cpus) {
        return cpus <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(cpus - 1);
    }

    /** The CPUID table of the processor with APIC ID {@code apicId}, one of {@code cpus}. */
    static List<CpuidEntry> forCpu(List<CpuidEntry> supported, int apicId, int cpus) {
        if (cpus < 1 || apicId < 0 || apicId >= cpus || cpus > 255) {
            throw new IllegalArgumentException("processor " + apicId + " of " + cpus);
        }
        int bits = coreBits(cpus);
        List<CpuidEntry> out = new ArrayList<>(supported.size() + 6);
        boolean hasLeafB = false;
        boolean hasLeaf1F = false;
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case 0x1 -> out.add(leaf1(e, apicId, bits, cpus));
                case 0x4 -> out.add(leaf4(e, bits));
                case 0xB -> hasLeafB = true;
                case 0x1F -> hasLeaf1F = true;
                case 0x8000_0008 -> out.add(e.withEcx((e.ecx() & ~0xF0FF) | (bits << 12) | (cpus - 1)));
                case 0x8000_001E -> out.add(e.withEax(apicId).withEbx(apicId & 0xFF).withEcx(0));
                default -> out.add(e);
            }
        }
        if (hasLeafB) {
            out.addAll(extendedTopology(0xB, apicId, bits, cpus));
        }
        if (hasLeaf1F) {
            out.addAll(extendedTopology(0x1F, apicId, bits, cpus));
        }
        return out;
    }

    /** EBX: initial APIC ID in 31:24, addressable logical processor IDs in 23:16; ECX: hypervisor present. */
    private static CpuidEntry leaf1(CpuidEntry e, int apicId, int bits, int cpus) {
        int addressable = Math.min(255, 1 << bits);
        int ebx = (e.ebx() & 0xFFFF) | (addressable << 16) | (apicId << 24);
        int edx = cpus > 1 ? e.edx() | HTT : e.edx() & ~HTT;
        return e.withEbx(ebx).withEcx(e.ecx() | HYPERVISOR).withEdx(edx);
    }

    /** EAX 31:26 = addressable core IDs - 1; 25:14 = processors sharing the cache - 1 (the package for L3). */
    private static CpuidEntry leaf4(CpuidEntry e, int bits) {
        if ((e.eax() & 0x1F) == 0) {
            return e;
        }
        int perPackage = (1 << bits) - 1;
        int level = (e.eax() >>> 5) & 0x7;
        int sharing = level >= 3 ? perPackage : 0;
        int eax = (e.eax() & 0x3FFF) | (sharing << 14) | (perPackage << 26);
        return e.withEax(eax);
    }

    /** Subleaf 0: the SMT level (one thread), 1: the core level, 2: the terminating invalid level. */
    private static List<CpuidEntry> extendedTopology(int function, int apicId, int bits, int cpus) {
        int flags = KvmConst.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        return List.of(
                new CpuidEntry(function, 0, flags, 0, 1, (LEVEL_SMT << 8), apicId),
                new CpuidEntry(function, 1, flags, bits, cpus, (LEVEL_CORE << 8) | 1, apicId),
                new CpuidEntry(function, 2, flags, 0, 0, 2, apicId));
    }
}
