package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/**
 * PAUSE in a spin-wait loop gives up the host thread after {@link Cpu#SPIN_PAUSES_BEFORE_YIELD}
 * PAUSEs at one address when the VM has other processors (pause-loop exiting), and the guest
 * sees the same state either way.
 */
class SpinWaitTest {
    private static final String SPIN = """
            mov ecx, 1000
            spin: pause
            dec ecx
            jnz spin
            mov ecx, 300
            other: pause
            dec ecx
            jnz other
            mov eax, 11
            vmcall
            """;

    private record Run(long yields, CpuState state) { }

    private static Run run(int cpuCount) {
        try (TestMachine m = new TestMachine()) {
            m.processor().cpuCount = cpuCount;
            assertEquals(ExitReason.HYPERCALL, m.run64(SPIN), m.cpu.describeExit());
            return new Run(m.processor().spinYields, m.cpu.state());
        }
    }

    @Test
    void aLongSpinYieldsOncePerWindowAtEachPause() {
        int window = Cpu.SPIN_PAUSES_BEFORE_YIELD;
        assertEquals(1000 / window + 300 / window, run(2).yields());
    }

    @Test
    void aSingleProcessorNeverYields() {
        assertEquals(0, run(1).yields());
    }

    @Test
    void yieldingChangesNothingTheGuestSees() {
        CpuState alone = run(1).state();
        CpuState shared = run(2).state();
        assertEquals(0, shared.regs().rcx(), "both loops ran to the end");
        assertEquals(alone.regs(), shared.regs(), "registers, RIP and RFLAGS alike");
        assertEquals(alone.sregs(), shared.sregs());
    }
}
