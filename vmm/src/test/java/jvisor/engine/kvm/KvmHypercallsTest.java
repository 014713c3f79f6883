package jvisor.engine.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the vmmcall intercept changes in the guest's CPUID, and when it is available. */
class KvmHypercallsTest {
    @Test
    void kvmsHypercallMakingFeaturesAreClearedAndTheRestKept() {
        // kvmclock (0, 3), async PF (4), steal time (5), PV EOI (6), PV_UNHALT (7), PV TLB flush (9),
        // PV_SEND_IPI (11), PV_SCHED_YIELD (13), HC_MAP_GPA_RANGE (16), MIGRATION_CONTROL (17).
        int features = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 9) | (1 << 11)
                | (1 << 13) | (1 << 16) | (1 << 17);
        CpuidEntry leaf1 = new CpuidEntry(1, 0, 0, 0x806f0, 0, 0x80000000, 0);
        List<CpuidEntry> out = KvmHypercalls.withoutPvHypercalls(List.of(leaf1,
                new CpuidEntry(0x4000_0001, 0, 0, features, 0, 0, 0x1)));
        assertEquals(leaf1, out.get(0));
        int kept = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 9) | (1 << 17);
        assertEquals(new CpuidEntry(0x4000_0001, 0, 0, kept, 0, 0, 0x1), out.get(1));
    }

    @Test
    void theInterceptNeedsKvmsXenFlag() {
        assertFalse(KvmHypercalls.available(0), "no CONFIG_KVM_XEN: KVM_CHECK_EXTENSION answers 0");
        assertFalse(KvmHypercalls.available(1), "only the hypercall MSR");
        assertTrue(KvmHypercalls.available(0b111));
    }
}
