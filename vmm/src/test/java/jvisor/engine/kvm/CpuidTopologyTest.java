package jvisor.engine.kvm;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each vCPU's CPUID tells the same topology: {@code cpus} cores of one thread in one package, the
 * processor's own APIC ID everywhere an APIC ID appears. Checked the way a guest decodes it.
 */
class CpuidTopologyTest {
    private static final int SIG = KvmConst.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

    /** A host table shaped like KVM_GET_SUPPORTED_CPUID's on an Intel machine with 16 threads. */
    private static final List<CpuidEntry> HOST = List.of(
            new CpuidEntry(0x0, 0, 0, 0x1F, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(0x1, 0, 0, 0x000906EA, 0x0F100800, 0x7FFAFBFF, 0xBFEBFBFF),
            new CpuidEntry(0x4, 0, SIG, 0x1C004121, 0x01C0003F, 0x3F, 0),   // L1d, 2 threads share
            new CpuidEntry(0x4, 1, SIG, 0x1C004122, 0x01C0003F, 0x3F, 0),   // L1i
            new CpuidEntry(0x4, 2, SIG, 0x1C004143, 0x00C0003F, 0x3FF, 0),  // L2
            new CpuidEntry(0x4, 3, SIG, 0x1C03C163, 0x03C0003F, 0x2FFF, 6), // L3, 16 threads share
            new CpuidEntry(0x4, 4, SIG, 0, 0, 0, 0),                        // end of the list
            new CpuidEntry(0xB, 0, SIG, 0, 0, 0, 0),                        // KVM reports no topology
            new CpuidEntry(0x1F, 0, SIG, 0, 0, 0, 0),
            new CpuidEntry(0x8000_0008, 0, 0, 0x3027, 0, 0x0000_700F, 0),
            new CpuidEntry(0x8000_001E, 0, 0, 7, 0x0107, 0x0301, 0));

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7, 64})
    void everyProcessorReportsItsOwnApicIdAndTheSamePackage(int cpus) {
        int bits = CpuidTopology.coreBits(cpus);
        assertTrue((1 << bits) >= cpus && (bits == 0 || (1 << (bits - 1)) < cpus));
        for (int cpu = 0; cpu < cpus; cpu++) {
            List<CpuidEntry> t = CpuidTopology.forCpu(HOST, cpu, cpus);
            CpuidEntry leaf1 = find(t, 0x1, 0);
            assertEquals(cpu, leaf1.ebx() >>> 24, "leaf 1 initial APIC ID");
            assertEquals(1 << bits, (leaf1.ebx() >>> 16) & 0xFF, "leaf 1 addressable IDs");
            assertEquals(0x0800, leaf1.ebx() & 0xFFFF, "CLFLUSH size and brand index kept");
            assertEquals(cpus > 1, (leaf1.edx() & CpuidTopology.HTT) != 0, "HTT");
            assertTrue((leaf1.ecx() & CpuidTopology.HYPERVISOR) != 0, "hypervisor bit");

            for (int leaf : new int[] {0xB, 0x1F}) {
                CpuidEntry smt = find(t, leaf, 0);
                CpuidEntry core = find(t, leaf, 1);
                CpuidEntry end = find(t, leaf, 2);
                assertEquals(cpu, smt.edx(), "x2APIC ID");
                assertEquals(cpu, core.edx());
                assertEquals(cpu, end.edx());
                assertEquals(1, (smt.ecx() >>> 8) & 0xFF, "level 0 is SMT");
                assertEquals(1, smt.ebx() & 0xFFFF, "one thread per core");
                assertEquals(0, smt.eax() & 0x1F, "no SMT bits in the APIC ID");
                assertEquals(2, (core.ecx() >>> 8) & 0xFF, "level 1 is core");
                assertEquals(cpus, core.ebx() & 0xFFFF, "cores in the package");
                assertEquals(bits, core.eax() & 0x1F, "shift to the package ID");
                assertEquals(0, cpu >>> (core.eax() & 0x1F), "every processor in package 0");
                assertEquals(0, (end.ecx() >>> 8) & 0xFF, "level 2 ends the list");
                assertEquals(SIG, smt.flags());
                assertEquals(1, t.stream().filter(e -> e.function() == leaf && e.index() == 0).count());
            }

            for (int sub = 0; sub < 4; sub++) {
                CpuidEntry cache = find(t, 0x4, sub);
                int level = (cache.eax() >>> 5) & 7;
                assertEquals((1 << bits) - 1, cache.eax() >>> 26, "cores per package - 1");
                assertEquals(level >= 3 ? (1 << bits) - 1 : 0, (cache.eax() >>> 14) & 0xFFF, "sharing of L" + level);
                assertEquals(HOST.get(2 + sub).eax() & 0x3FFF, cache.eax() & 0x3FFF, "cache type and level kept");
            }
            assertEquals(0, find(t, 0x4, 4).eax(), "the terminating subleaf stays empty");

            CpuidEntry amd = find(t, 0x8000_0008, 0);
            assertEquals(cpus - 1, amd.ecx() & 0xFF, "AMD NC");
            assertEquals(bits, (amd.ecx() >>> 12) & 0xF, "AMD ApicIdCoreIdSize");
            assertEquals(cpu, find(t, 0x8000_001E, 0).eax(), "AMD extended APIC ID");
        }
    }

    @Test
    void leavesWithoutTopologyPassThrough() {
        List<CpuidEntry> t = CpuidTopology.forCpu(HOST, 0, 2);
        assertEquals(HOST.get(0), find(t, 0x0, 0));
        assertEquals(HOST.size() + 4, t.size(), "0xB and 0x1F each grow from one subleaf to three");
    }

    @Test
    void aHostWithoutLeafBGetsNone() {
        List<CpuidEntry> amdHost = HOST.stream().filter(e -> e.function() != 0xB && e.function() != 0x1F).toList();
        List<CpuidEntry> t = CpuidTopology.forCpu(amdHost, 1, 2);
        assertFalse(t.stream().anyMatch(e -> e.function() == 0xB || e.function() == 0x1F));
        assertNotEquals(find(amdHost, 0x1, 0), find(t, 0x1, 0));
    }

    private static CpuidEntry find(List<CpuidEntry> table, int function, int index) {
        return table.stream().filter(e -> e.function() == function && e.index() == index).findFirst()
                .orElseThrow(() -> new AssertionError(String.format("no leaf %x.%x", function, index)));
    }
}
