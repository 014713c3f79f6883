package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** VMCALL answered as KVM answers it (kvm-unit-tests' hypercall test); VMMCALL is an Intel #UD. */
class HypercallsTest {
    @Test
    void vmcallReturnsKvmsAnswersAndGoesOn() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64("""
                    mov eax, 1
                    vmcall
                    mov r8, rax
                    mov rax, -1
                    vmcall
                    mov r9, rax
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(-1, m.caught().vector(), "no exception");
            assertEquals(0, m.reg(8), "KVM_HC_VAPIC_POLL_IRQ");
            assertEquals(-1000, m.reg(9), "-KVM_ENOSYS");
        }
    }

    @Test
    void vmmcallIsAnInvalidOpcodeOnIntel() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64("vmmcall\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.UD, m.caught().vector());
        }
    }
}
