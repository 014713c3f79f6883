package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestDebug;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Flags;
import org.junit.jupiter.api.Test;

/**
 * A debugger's single step with an interrupt pending lands on the next instruction, not in the
 * handler (QEMU's SSTEP_NOIRQ); the interrupt is taken once the guest runs freely.
 */
class DebuggerStepTest {
    private static final int VECTOR = 0x40;
    private static final long HANDLER = TestMachine.CODE + 0x100;

    @Test
    void aStepWithAnInterruptPendingLandsOnTheNextInstruction() {
        try (TestMachine m = new TestMachine()) {
            m.load(TestMachine.CODE, Asm.code64("nop\nnop\nnop\n1: pause\njmp 1b\n"));
            m.load(HANDLER, Asm.code64("mov byte ptr [0x7100], 1\ncli\nhlt\n"));
            m.gate64(VECTOR, HANDLER, 0, 0, false);
            m.longMode(TestMachine.CODE);
            CpuState s = m.cpu.state();
            GeneralRegisters r = s.regs();
            m.cpu.setState(s.withRegs(GeneralRegisters.fromArray(r.toArray(), r.rip(), r.rflags() | Flags.IF)));
            m.apic.raise(VECTOR);

            m.cpu.setGuestDebug(new GuestDebug(true, new long[0]));
            assertEquals(ExitReason.DEBUG, run(m));
            assertEquals(TestMachine.CODE + 1, m.cpu.state().regs().rip(), "one nop, no handler");
            assertEquals(ExitReason.DEBUG, run(m));
            assertEquals(TestMachine.CODE + 2, m.cpu.state().regs().rip());
            assertEquals(List.of(), m.apic.acknowledged);

            m.cpu.setGuestDebug(GuestDebug.OFF);
            assertEquals(ExitReason.HLT, run(m), m.cpu.describeExit());
            assertEquals(1, m.ram.read8(0x7100), "the interrupt is delivered once the guest runs");
            assertEquals(List.of(VECTOR), m.apic.acknowledged);
        }
    }

    /** Runs past the one STOPPED exit that follows a DEBUG exit (its stop request stays set, as after a kick). */
    private static ExitReason run(TestMachine m) {
        ExitReason r = m.run();
        return r == ExitReason.STOPPED ? m.run() : r;
    }
}
