package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * What the processor tells a kernel about transient execution (CPUID leaf 7 EDX and
 * IA32_ARCH_CAPABILITIES), and the speculation-control MSRs it then writes: present, checked for
 * reserved bits as the SDM defines them, and without effect, since nothing here speculates.
 */
class SpeculationControlTest {
    private static TestMachine.Caught caught(String code) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64(code + "\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.caught();
        }
    }

    @Test
    void cpuidAndArchCapabilitiesSayNothingHereSpeculates() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov eax, 7
                    xor ecx, ecx
                    cpuid
                    mov r8, rdx
                    mov ecx, 0x10a
                    rdmsr
                    shl rdx, 32
                    or rax, rdx
                    mov r9, rax
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            long edx = m.reg(8);
            assertEquals(1L << 26 | 1L << 27 | 1L << 29, edx & (1L << 26 | 1L << 27 | 1L << 29),
                    "IBRS/IBPB, STIBP, IA32_ARCH_CAPABILITIES");
            long caps = m.reg(9);
            String[] names = {"RDCL_NO", "IBRS_ALL", "SSB_NO", "MDS_NO", "TAA_NO", "SBDR_SSDP_NO", "FBSDP_NO",
                "PSDP_NO", "BHI_NO", "PBRSB_NO", "GDS_NO", "RFDS_NO", "ITS_NO"};
            int[] bits = {0, 1, 4, 5, 8, 13, 14, 15, 20, 24, 26, 27, 62};
            for (int k = 0; k < bits.length; k++) {
                assertEquals(1, caps >>> bits[k] & 1, names[k]);
            }
        }
    }

    @Test
    void specCtrlKeepsItsDefinedBits() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov ecx, 0x48
                    mov eax, 3
                    xor edx, edx
                    wrmsr
                    xor eax, eax
                    rdmsr
                    mov r8, rax
                    mov ecx, 0x49
                    mov eax, 1
                    wrmsr
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(3, m.reg(8), "IBRS | STIBP read back");
        }
    }

    @Test
    void bhiControlIsOfferedSoKernelsNeedNoSoftwareLoop() {
        // Kernels that assume BHI when virtualized clear the branch history on every system call
        // in software unless BHI_DIS_S exists; here it is a no-op bit, as nothing keeps a history.
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov eax, 7
                    xor ecx, ecx
                    cpuid
                    mov r8, rax
                    mov eax, 7
                    mov ecx, 2
                    cpuid
                    mov r9, rdx
                    mov ecx, 0x48
                    mov eax, 0x401
                    xor edx, edx
                    wrmsr
                    rdmsr
                    mov r10, rax
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(2, m.reg(8), "leaf 7 has sub-leaves up to 2");
            assertEquals(1L << 4, m.reg(9) & (1L << 4), "CPUID.(7,2):EDX BHI_CTRL");
            assertEquals(0x401, m.reg(10), "IBRS | BHI_DIS_S read back");
        }
    }

    @Test
    void reservedBitsAndTheWriteOnlyCommandRegisterFault() {
        assertEquals(Vectors.GP, caught("mov ecx, 0x48\nmov eax, 4\nxor edx, edx\nwrmsr").vector(),
                "SSBD is not advertised");
        assertEquals(Vectors.GP, caught("mov ecx, 0x49\nmov eax, 2\nxor edx, edx\nwrmsr").vector(),
                "PRED_CMD has only IBPB");
        assertEquals(Vectors.GP, caught("mov ecx, 0x49\nrdmsr").vector(), "PRED_CMD is write-only");
        assertEquals(-1, caught("mov ecx, 0x48\nrdmsr").vector(), "SPEC_CTRL reads without a fault");
    }
}
