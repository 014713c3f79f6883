package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * The hypervisor leaves: jvisor's own signature at 0x40000000, and KVM's at 0x40000100, so Linux
 * trusts x2APIC without interrupt remapping; x2APIC and KVM_FEATURE_PV_UNHALT are advertised
 * only where the local APIC has them (the test machine's stand-in does not; PvUnhaltTest reads
 * the feature from the real one).
 */
class CpuidHypervisorTest {
    private static long[] cpuid(int leaf) {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("mov eax, " + leaf + "\nxor ecx, ecx\ncpuid\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return new long[] {m.reg(0), m.reg(3), m.reg(1), m.reg(2)};
        }
    }

    private static String text(long... words) {
        StringBuilder s = new StringBuilder();
        for (long w : words) {
            for (int i = 0; i < 4; i++) {
                s.append((char) (w >>> (8 * i) & 0xFF));
            }
        }
        return s.toString();
    }

    @Test
    void kvmsSignatureSitsAtTheSecondBaseWithNoFeatures() {
        long[] own = cpuid(0x4000_0000);
        assertEquals("JvisorEmuCpu", text(own[1], own[2], own[3]));
        long[] kvm = cpuid(0x4000_0100);
        assertEquals(0x4000_0101, kvm[0]);
        assertEquals("KVMKVMKVM\0\0\0", text(kvm[1], kvm[2], kvm[3]));
        long[] features = cpuid(0x4000_0101);
        assertEquals(0, features[0] | features[1] | features[2] | features[3], "no KVM features without the local APIC's PV unhalt, no hints");
    }

    @Test
    void x2apicIsAdvertisedOnlyWhereTheLocalApicHasIt() {
        assertEquals(0, cpuid(1)[2] & Cpuid.X2APIC);
    }
}
