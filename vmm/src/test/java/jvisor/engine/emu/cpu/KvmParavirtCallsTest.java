package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * KVM_HC_SEND_IPI is answered inside the processor, without a HYPERCALL exit, with KVM's errors:
 * here the test machine has no APIC bus (-KVM_EOPNOTSUPP, as KVM without an APIC map), and ring
 * 3 gets -KVM_EPERM. Delivery itself is PvSendIpiTest's.
 */
class KvmParavirtCallsTest {
    @Test
    void sendIpiIsAnsweredInPlaceInRingZero() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov eax, 10
                    mov ebx, 1
                    xor ecx, ecx
                    xor edx, edx
                    mov esi, 0x41
                    vmcall
                    mov [0x6000], rax
                    mov eax, 10
                    vmmcall
                    mov [0x6008], rax
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(-95, m.ram.read64(0x6000), "VMCALL: -KVM_EOPNOTSUPP without an APIC bus");
            assertEquals(-95, m.ram.read64(0x6008), "VMMCALL alike");
        }
    }

    @Test
    void otherNumbersStillExitToTheVmm() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(ExitReason.HYPERCALL, m.run64("mov eax, 11\nvmcall\ncli\nhlt"));
        }
    }

    @Test
    void kickCpuExitsToTheVmmWhereTheLocalApicHasNoPvUnhalt() {
        try (TestMachine m = new TestMachine()) {
            assertEquals(ExitReason.HYPERCALL, m.run64("mov eax, 5\nxor ebx, ebx\nmov ecx, 1\nvmcall\ncli\nhlt"));
        }
    }

    @Test
    void ringThreeGetsEperm() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            for (long a = 0; a < (64L << 20); a += 2L << 20) {
                m.pages.map2m(a, a, PageTables.P | PageTables.RW | PageTables.US);
            }
            m.ram.write64(TestMachine.TSS + 4, 0x5_8000); // RSP0 for the #UD from ring 3
            ExitReason r = m.run64("""
                    mov ecx, 0x174
                    mov eax, 0x08
                    xor edx, edx
                    wrmsr
                    lea rdx, [rip + user]
                    mov rcx, 0x44000
                    rex.w sysexit
                    user:
                    mov eax, 10
                    vmcall
                    mov [0x6000], rax
                    ud2
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.UD, m.caught().vector(), "the user code ran on to its UD2");
            assertEquals(-1, m.ram.read64(0x6000), "-KVM_EPERM");
        }
    }
}
