package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * MSRs kvm-unit-tests' {@code msr} test touches: machine-check capabilities with no banks (read
 * by software whether or not MCA is advertised, as QEMU answers them), IA32_APIC_BASE's reserved
 * bits, and the x2APIC range outside x2APIC mode.
 */
class ConformanceMsrsTest {
    private static TestMachine.Caught caught(String code) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64(code + "\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.caught();
        }
    }

    @Test
    void machineCheckCapabilitiesReadAsNoBanks() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov ecx, 0x179
                    rdmsr
                    mov r8, rax
                    mov ecx, 0x17a
                    xor eax, eax
                    xor edx, edx
                    wrmsr
                    rdmsr
                    mov r9, rax
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(0, m.reg(8), "MCG_CAP: no banks");
            assertEquals(0, m.reg(9), "MCG_STATUS");
        }
        assertEquals(Vectors.GP, caught("mov ecx, 0x179\nxor eax, eax\nxor edx, edx\nwrmsr").vector(),
                "MCG_CAP is read-only");
        assertEquals(Vectors.GP, caught("mov ecx, 0x17a\nmov eax, 1\nxor edx, edx\nwrmsr").vector(),
                "MCG_STATUS takes only 0");
        assertEquals(Vectors.GP, caught("mov ecx, 0x401\nrdmsr").vector(), "MC0_STATUS: there are no banks");
    }

    @Test
    void apicBaseReservedBitsFault() {
        assertEquals(Vectors.GP, caught("mov ecx, 0x1b\nmov eax, 0xfee00901\nxor edx, edx\nwrmsr").vector(),
                "bit 0");
        assertEquals(Vectors.GP, caught("mov ecx, 0x1b\nmov eax, 0xfee00900\nmov edx, 0x100\nwrmsr").vector(),
                "bit 40, above the physical address width");
        assertEquals(-1, caught("mov ecx, 0x1b\nmov eax, 0xfee00900\nxor edx, edx\nwrmsr").vector());
    }

    @Test
    void x2apicRegistersAreAGpOutsideX2apicMode() {
        assertEquals(Vectors.GP, caught("mov ecx, 0x802\nrdmsr").vector());
        assertEquals(Vectors.GP, caught("mov ecx, 0x80b\nxor eax, eax\nxor edx, edx\nwrmsr").vector());
    }
}
