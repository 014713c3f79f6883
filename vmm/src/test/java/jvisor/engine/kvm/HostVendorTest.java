package jvisor.engine.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The vendor kvm compares --cpu vendor= with: CPUID leaf 0's EBX, EDX, ECX in KVM's supported table. */
class HostVendorTest {
    @Test
    void leafZeroSpellsTheVendor() {
        List<CpuidEntry> amd = List.of(new CpuidEntry(1, 0, 0, 0, 0, 0, 0),
                new CpuidEntry(0, 0, 0, 0xD, 0x6874_7541, 0x444D_4163, 0x6974_6E65));
        assertEquals("AuthenticAMD", KvmEngine.hostVendor(amd));
        List<CpuidEntry> intel = List.of(new CpuidEntry(0, 0, 0, 0x16, 0x756E_6547, 0x6C65_746E, 0x4965_6E69));
        assertEquals("GenuineIntel", KvmEngine.hostVendor(intel));
        assertEquals("unknown", KvmEngine.hostVendor(List.of()));
    }
}
